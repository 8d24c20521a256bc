"""Practice decks (handlers/content/practice.py): the shipped decks, and `content check` finding each
kind of mistake at its file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import REPO_CONTENT
from handlers.content import LANGS, load_content
from handlers.content.practice import MAX_FEEDBACK, MAX_OPTION

DECK = "practice/python-basics.yaml"


def test_every_step_has_at_least_15_cards_and_10_questions_in_both_languages() -> None:
    content, problems = load_content(REPO_CONTENT)
    assert problems == []
    assert set(content.decks) == {s.id for s in content.steps}
    for deck in content.decks.values():
        assert len(deck.cards) >= 15 and len(deck.questions) >= 10, deck.step
        for item in (*deck.cards, *deck.questions):
            assert set(item.texts) == set(LANGS), item.key
        for q in deck.questions:
            for t in q.texts.values():
                options = [t.right, *t.wrong]
                assert len({o.casefold() for o in options}) == len(options) and 3 <= len(options) <= 4
                assert len(t.right) + len(t.explanation) <= MAX_FEEDBACK


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, root)
    return root


def _edit(root: Path, old: str, new: str, count: int = 1) -> int:
    """Replace `old` in the deck; the 1-based line where it was."""
    path = root / DECK
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {DECK}; update the test"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def _problems(root: Path) -> list[str]:
    content, problems = load_content(root)
    assert content is None
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("step: python-basics", "step: python-basic", "unknown roadmap step 'python-basic'"),
        ("  - id: tuple-immutable\n", "  - id: names-and-objects\n", "is used twice in 'cards'"),
        ("      wrong:", "      wrongs:", "unknown key 'wrongs'"),
        (
            "    card: names-and-objects\n",
            "    card: no-such-card\n",
            "card 'no-such-card' is not a card",
        ),
        (
            "    resource: https://www.kaggle.com/learn/overview\n",
            "    resource: https://example.com/\n",
            "resource must",
        ),
    ],
)
def test_a_broken_deck_is_reported_at_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    root = _copy(tmp_path)
    line = _edit(root, old, new)
    found = [p for p in _problems(root) if message in p]
    assert found, _problems(root)
    assert found[0].startswith(f"content/{DECK}:{line}:")


def test_a_missing_translation_and_a_too_long_option_are_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / DECK
    text = path.read_text(encoding="utf-8")
    first_zh = text.index("    zh:\n")
    text = text[:first_zh] + text[first_zh:].replace("    zh:\n", "    zh_:\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = _problems(root)
    assert any("unknown key 'zh_'" in p for p in problems)
    assert any("missing translation" in p or "missing 'zh'" in p for p in problems)

    root = _copy(tmp_path / "c")
    right = next(line for line in (root / DECK).read_text(encoding="utf-8").splitlines() if "right: " in line)
    _edit(root, right, "      right: " + "x" * (MAX_OPTION + 1))
    assert any(f"keep it to {MAX_OPTION}" in p for p in _problems(root))


def test_the_same_option_twice_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    deck = (root / DECK).read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(deck) if line.startswith("      right: "))
    right = deck[i].removeprefix("      right: ").strip().strip('"')
    j = next(n for n in range(i, len(deck)) if deck[n].startswith("      wrong:"))
    deck[j] = "      wrong: [" + repr(right).replace("'", '"') + ", another wrong option]"
    (root / DECK).write_text("\n".join(deck) + "\n", encoding="utf-8")
    problems = _problems(root)
    assert any(f"the option '{right}' is there twice" in p and f":{j + 1}:" in p for p in problems), problems
