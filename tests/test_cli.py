"""`python -m bot ask`: FAQ answers on the command line, as plain text or one JSON object per question.

The commands are independent, so the module starts them all at once and each test reads its own.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import bot_env, run_bot

pytestmark = pytest.mark.slow  # every test here runs `python -m bot` or several processes

CJK = re.compile(r"[\u4e00-\u9fff]")
STDIN_QUESTIONS = [
    "salary?",
    "",
    "   ",
    "which programming language should I learn",
    "机器学习工程师工资多少",
]

RUNS: dict[str, tuple[list[str], str | None]] = {
    "en": (["ask", "--json", "how much do ml engineers earn"], None),
    "zh": (["ask", "--json", "机器学习工程师工资多少"], None),
    # several words: they are joined into one question
    "cake": (["ask", "--json", "how", "do", "I", "bake", "a", "chocolate", "cake"], None),
    # no newline after the last line: it is still a question
    "stdin": (["ask", "--json"], "\n".join(STDIN_QUESTIONS)),
    "plain": (["ask", "how much do ml engineers earn"], None),
    "plain-stdin": (["ask"], "salary?\n\nhow do I bake a chocolate cake\n"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    cwd = tmp_path_factory.mktemp("cli")
    env = bot_env()
    started = {}
    for name, (args, stdin) in RUNS.items():
        cmd = [sys.executable, "-m", "bot", *args]
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        started[name] = (cmd, proc, stdin)
    results = {}
    try:
        for name, (cmd, proc, stdin) in started.items():
            out, err = proc.communicate(stdin or "", timeout=60)
            results[name] = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    finally:
        for _, proc, _ in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    results["cwd"] = cwd  # type: ignore[assignment]
    return results


def _run(runs, name: str) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    result = runs[name]
    assert result.returncode == 0, result.stderr
    return result


def _objects(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_json_answer_in_english(runs) -> None:  # noqa: ANN001
    result = _run(runs, "en")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1  # exactly one JSON object, on one line
    obj = json.loads(lines[0])
    assert set(obj) == {"question", "faq_id", "score", "lang", "answer", "kind"}
    assert obj["kind"] == "answer"
    assert obj["question"] == "how much do ml engineers earn"
    assert obj["faq_id"] == "salary"
    assert isinstance(obj["score"], float)
    assert 0.0 < obj["score"] <= 1.0
    assert obj["lang"] == "en"
    assert isinstance(obj["answer"], str)
    assert "How much do ML engineers earn?" in obj["answer"]
    assert "**" not in obj["answer"]  # plain text, no markup


def test_asking_needs_no_database(runs) -> None:  # noqa: ANN001
    for name in RUNS:
        _run(runs, name)
    assert not (runs["cwd"] / "study_buddy.db").exists()


def test_json_answer_in_chinese(runs) -> None:  # noqa: ANN001
    stdout = _run(runs, "zh").stdout
    assert "机器学习工程师工资多少" in stdout  # written as UTF-8, not \u-escaped
    obj = _objects(stdout)
    assert len(obj) == 1
    assert obj[0]["lang"] == "zh"
    assert obj[0]["faq_id"] == "salary"
    assert CJK.search(obj[0]["answer"])
    assert "机器学习工程师能赚多少钱" in obj[0]["answer"]


def test_out_of_scope_question_has_no_faq_id(runs) -> None:  # noqa: ANN001
    obj = _objects(_run(runs, "cake").stdout)
    assert len(obj) == 1
    assert obj[0]["question"] == "how do I bake a chocolate cake"
    assert obj[0]["faq_id"] is None
    assert obj[0]["lang"] == "en"
    assert isinstance(obj[0]["score"], float)
    assert "/faq" in obj[0]["answer"]  # points the learner to the topics


def test_stdin_gives_one_json_line_per_non_empty_line(runs) -> None:  # noqa: ANN001
    lines = _run(runs, "stdin").stdout.splitlines()
    assert len(lines) == 3
    objs = [json.loads(line) for line in lines]
    assert [o["question"] for o in objs] == [
        "salary?",
        "which programming language should I learn",
        "机器学习工程师工资多少",
    ]
    assert [o["faq_id"] for o in objs] == ["salary", "programming-language", "salary"]
    assert [o["lang"] for o in objs] == ["en", "en", "zh"]


def test_plain_answer_without_json(runs) -> None:  # noqa: ANN001
    json_answer = _objects(_run(runs, "en").stdout)[0]["answer"]
    stdout = _run(runs, "plain").stdout
    assert stdout.strip() == json_answer.strip()
    assert not stdout.lstrip().startswith("{")
    assert stdout.startswith("How much do ML engineers earn?")


def test_plain_answers_from_stdin(runs) -> None:  # noqa: ANN001
    out = _run(runs, "plain-stdin").stdout
    assert out.count("How much do ML engineers earn?") == 1
    assert out.index("How much do ML engineers earn?") < out.index("/faq")


async def test_content_gaps_lists_unanswered_questions_most_frequent_first(tmp_path) -> None:
    from bot.adapters.fake import FakeAdapter
    from bot.app import App
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    fake = FakeAdapter()
    async with App(settings, [fake]):
        alice, bob = fake.chat("alice"), fake.chat("bob")
        for chat in (alice, bob, alice):
            await chat.say("zebra quantum marmalade")
        await bob.say("斑马量子果酱")
        admin_view = "\n".join(r.plain() for r in await fake.chat("admin").say("/gaps"))
    assert admin_view.index("3× [en] zebra quantum marmalade") < admin_view.index("1× [zh] 斑马量子果酱")

    result = run_bot(tmp_path, "content", "gaps", env=bot_env(DATABASE_URL=settings.database_url))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["count", "lang", "last", "seen", "question"]
    assert lines[1].split()[:2] == ["3", "en"] and lines[1].endswith("zebra quantum marmalade")
    assert lines[2].split()[:2] == ["1", "zh"] and lines[2].endswith("斑马量子果酱")
    assert "alice" not in result.stdout and "bob" not in result.stdout


def test_content_gaps_on_a_fresh_database_says_so(tmp_path) -> None:
    result = run_bot(tmp_path, "content", "gaps")
    assert result.returncode == 0, result.stderr
    assert "No unanswered questions" in result.stdout


def test_content_gaps_prints_its_table_without_migration_log_lines(tmp_path) -> None:
    """A fresh database is migrated first: Alembic's INFO lines stay out of a command's output."""
    result = run_bot(tmp_path, "content", "gaps")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout.startswith("No unanswered questions")
    (tmp_path / "other").mkdir()
    upgrade = run_bot(tmp_path / "other", "db", "upgrade")
    assert upgrade.returncode == 0 and upgrade.stderr == "", upgrade.stderr
    assert upgrade.stdout.startswith("Database at revision")
