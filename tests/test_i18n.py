"""UI strings (handlers/core/i18n.py, core/plurals.py): plural forms by each language's rules, and the
content check that keeps them well formed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.settings import REPO_CONTENT
from handlers.content import load_content
from handlers.core.i18n import Strings, detect_lang
from handlers.core.markup import Bold, Para, Text
from handlers.core.plurals import placeholders, problems, select
from tests.conftest import texts

DAYS = "Streak: **{streak}** {streak, plural, one {day} other {days}}"
TABLE = {
    "en": {
        "streak": DAYS,
        "steps": "{count, plural, =0 {no steps} one {# step} other {# steps}} for {name}",
        "only_en": "{count, plural, one {# problem} other {# problems}}",
    },
    "zh": {"streak": "连续打卡 **{streak}** 天", "steps": "{name} 的 {count} 个步骤"},
}


@pytest.mark.parametrize(("n", "word"), [(0, "days"), (1, "day"), (2, "days"), (21, "days")])
def test_english_plurals_follow_babel_rules_for_one_and_other(n: int, word: str) -> None:
    assert Strings(TABLE, "en").raw("streak", streak=n) == f"Streak: **{n}** {word}"


def test_plural_doc_keeps_markup_and_fills_the_number() -> None:
    (para,) = Strings(TABLE, "en").doc("streak", streak=1)
    assert para == Para((Text("Streak: "), Bold((Text("1"),)), Text(" day")))


def test_chinese_has_a_single_plural_form() -> None:
    text = "{n, plural, other {# 天}}"
    assert [select(text, {"n": n}, "zh") for n in (0, 1, 2)] == ["{n} 天"] * 3
    assert Strings(TABLE, "zh").raw("streak", streak=1) == "连续打卡 **1** 天"


def test_an_exact_value_form_wins_over_the_category_and_hash_is_the_number() -> None:
    en = Strings(TABLE, "en")
    assert en.raw("steps", count=0, name="Asha") == "no steps for Asha"
    assert en.raw("steps", count=1, name="Asha") == "1 step for Asha"
    assert en.raw("steps", count=12, name="Asha") == "12 steps for Asha"


def test_a_value_that_is_not_a_number_takes_the_other_form() -> None:
    assert Strings(TABLE, "en").raw("streak", streak="many") == "Streak: **many** days"
    assert Strings(TABLE, "en").raw("streak") == "Streak: **{streak}** days"


def test_a_string_missing_in_chinese_falls_back_to_english_with_english_plural_rules() -> None:
    assert Strings(TABLE, "zh").raw("only_en", count=1) == "1 problem"


def test_a_value_inside_a_plural_form_is_plain_text_not_markup() -> None:
    table = {"en": {"k": "{n, plural, one {# note: {note}} other {# notes: {note}}}"}}
    (para,) = Strings(table, "en").doc("k", n=2, note="**not bold**")
    assert para == Para((Text("2 notes: **not bold**"),))


def test_placeholders_count_plural_names_and_values_inside_forms_but_not_form_braces() -> None:
    assert placeholders(DAYS) == {"streak"}
    assert placeholders("{n, plural, one {# by {who}} other {# by {who}}} at {at}") == {"n", "who", "at"}


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("{n, plural, one {# day}}", "en", "needs an 'other"),
        ("{n, plural, one {# day} other {# days}", "en", "then '}'"),
        ("{n, plural, one {# {day} other {# days}", "en", "not closed"),
        ("{n, plural, few {# days} other {# days}}", "en", "'few' is not a plural form in en"),
        ("{n, plural, one {# 天} other {# 天}}", "zh", "'one' is not a plural form in zh"),
    ],
)
def test_malformed_plurals_are_explained(text: str, lang: str, words: str) -> None:
    (message,) = problems(text, lang)
    assert words in message
    select(text, {"n": 1}, lang)  # a broken string is refused by the check, and never raises when used


def test_no_english_ui_string_uses_a_plural_placeholder_like_day_s() -> None:
    en = yaml.safe_load((REPO_CONTENT / "ui" / "en.yaml").read_text(encoding="utf-8"))
    crude = {key: text for key, text in en.items() if "(s)" in text}
    assert not crude, f"use {{count, plural, one {{...}} other {{...}}}} instead: {sorted(crude)}"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, root)
    return root


def _replace(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {path.name}; update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_content_check_accepts_the_repo_plurals() -> None:
    content, found = load_content(REPO_CONTENT)
    assert found == [] and content is not None
    assert any("plural" in text for text in content.strings["en"].values())


def test_content_check_reports_a_broken_plural_with_its_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _replace(root / "ui" / "en.yaml", "other {days}}", "other {days}")
    content, found = load_content(root)
    assert content is None
    assert any(p.file.endswith("ui/en.yaml") and p.line == line and "log.saved" in p.message for p in found)


def test_content_check_compares_placeholders_inside_plural_forms(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _replace(root / "ui" / "en.yaml", "{# earlier reminder}", "{# earlier reminder at {at}}")
    content, found = load_content(root)
    assert content is None
    assert any("remind.missed" in p.message and "{at}" in p.message for p in found)


async def test_progress_says_day_and_days_properly(chat) -> None:  # noqa: ANN001
    assert "Streak: 0 days in a row" in texts(await chat.say("/progress"))
    assert "(s)" not in texts(await chat.say("/progress"))


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("how much math do I need", "en"),
        ("需要多少数学", "zh"),
        ("SQL？", "zh"),  # a Chinese input method's question mark
        ("MLE 面试会考 leetcode 吗", "zh"),  # Chinese, with the field's terms in Latin letters
        ("学 PyTorch 还是 TF", "zh"),
        ("Kaggle 比赛有用吗", "zh"),
        ("报错了帮我看看：RuntimeError: Expected all tensors to be on the same device", "zh"),
        ("Is it true that 打比赛 on Kaggle can help me get hired?", "en"),  # English, a Chinese word in it
        ("What can ML concretely do in 医疗 and e-commerce?", "en"),
        ("I've done accounting for five years and want to 转行 into ML, is that realistic?", "en"),
        ("PyTorch 还是 TensorFlow", "zh"),
    ],
)
def test_a_questions_language_is_the_one_its_sentence_is_built_in(question: str, lang: str) -> None:
    assert detect_lang(question) == lang
