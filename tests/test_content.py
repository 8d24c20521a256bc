"""The content files: the repo's content is complete and valid, and each kind of mistake an editor can
make is reported with the file, the right line and a hint on how to fix it."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.settings import REPO_CONTENT
from handlers.content import (
    FAQ,
    LANGS,
    POSTS,
    ROADMAP,
    Content,
    Loader,
    Loading,
    Problem,
    load_content,
    part,
    yaml_lines,
)
from tests.conftest import SHARED, run_bot

TOPICS_TXT = Path(__file__).parent / "data" / "topics.txt"  # the contract, kept in the repository
TOPICS_MD = SHARED / "eval" / "topics.md"  # where it comes from, next to the repository when present


# helpers


def _topic_ids() -> list[str]:
    """The required FAQ ids in tests/data/topics.txt: one a line, `#` starts a comment."""
    lines = TOPICS_TXT.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _shared_topic_ids() -> list[str]:
    """The ids in the first column of the `| id | scope |` table of ../shared/eval/topics.md."""
    ids = []
    for line in TOPICS_MD.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*([a-z0-9][a-z0-9-]*)\s*\|", line)
        if m and m[1] != "id":
            ids.append(m[1])
    return ids


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, root)
    return root


def _edit(root: Path, rel: str, old: str, new: str) -> int:
    """Replace the first `old` in one file; return the 1-based line where `new` starts."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {rel}; update the test"
    start = text.index(old)
    path.write_text(text[:start] + new + text[start + len(old) :], encoding="utf-8")
    return text[:start].count("\n") + 1


def _line_of(root: Path, rel: str, needle: str) -> int:
    text = (root / rel).read_text(encoding="utf-8")
    assert needle in text
    return text[: text.index(needle)].count("\n") + 1


def _problems_in(root: Path, rel: str) -> list[Problem]:
    content, problems = load_content(root)
    assert content is None, "content with problems must never be served"
    assert problems, "the broken copy should have problems"
    name = f"{root.name}/{rel}"
    return [p for p in problems if p.file == name]


def _one(problems: list[Problem], *words: str) -> Problem:
    found = [p for p in problems if all(w.lower() in p.message.lower() for w in words)]
    assert found, f"no problem mentions {words}: {[str(p) for p in problems]}"
    return found[0]


# the repo's content


@pytest.fixture(scope="module")
def repo_content():  # noqa: ANN201
    content, problems = load_content(REPO_CONTENT)
    assert problems == [], "\n".join(map(str, problems))
    assert content is not None
    return content


def test_repo_content_loads_without_problems(repo_content) -> None:  # noqa: ANN001
    assert repo_content.faq
    assert set(repo_content.strings) == set(LANGS)
    assert repo_content.posts


def test_every_contract_topic_exists_in_both_languages(repo_content) -> None:  # noqa: ANN001
    ids = _topic_ids()
    assert len(ids) >= 20, "tests/data/topics.txt should list the FAQ ids, one a line"
    assert len(set(ids)) == len(ids), "an id is listed twice in tests/data/topics.txt"
    missing = [i for i in ids if i not in repo_content.faq_by_id]
    assert missing == []
    for topic in ids:
        entry = repo_content.faq_by_id[topic]
        assert set(entry.texts) >= {"en", "zh"}, topic
        for lang in ("en", "zh"):
            t = entry.texts[lang]
            assert t.title.strip() and t.answer.strip() and t.questions, (topic, lang)


def test_the_topic_list_matches_the_shared_contract() -> None:
    """tests/data/topics.txt is a copy of the ids in ../shared/eval/topics.md: when that file is there,
    the two must agree (copy the ids over when the contract changes)."""
    if not TOPICS_MD.exists():
        pytest.skip(f"{TOPICS_MD} is missing (a plain clone): tests/data/topics.txt is the contract")
    ids = _shared_topic_ids()
    assert len(ids) >= 20, "topics.md should list the FAQ ids in a | id | scope | table"
    assert _topic_ids() == ids


def test_chinese_sections_are_chinese(repo_content) -> None:  # noqa: ANN001
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for entry in repo_content.faq:
        zh = entry.texts["zh"]
        assert cjk.search(zh.title) and cjk.search(zh.answer), entry.id


def test_roadmap_has_at_least_ten_steps_with_unique_ids(repo_content) -> None:  # noqa: ANN001
    raw = yaml.safe_load((REPO_CONTENT / "roadmap.yaml").read_text(encoding="utf-8"))
    raw_ids = [s["id"] for s in raw["steps"]]
    assert len(raw_ids) >= 10
    assert len(set(raw_ids)) == len(raw_ids)
    assert [s.id for s in repo_content.steps] == raw_ids
    assert [s.number for s in repo_content.steps] == list(range(1, len(raw_ids) + 1))
    for step in repo_content.steps:
        assert step.titles["en"] and step.titles["zh"] and step.summaries["en"] and step.summaries["zh"]


def test_every_step_and_post_reference_resolves() -> None:
    """Read the raw files (the loader drops unknown ids), so no dangling reference can hide."""
    posts = yaml.safe_load((REPO_CONTENT / "posts.yaml").read_text(encoding="utf-8"))["posts"]
    post_ids = {p["id"] for p in posts}
    steps = yaml.safe_load((REPO_CONTENT / "roadmap.yaml").read_text(encoding="utf-8"))["steps"]
    step_ids = {s["id"] for s in steps}
    dangling = []
    for step in steps:
        dangling += [(f"roadmap:{step['id']}", p) for p in step.get("posts", []) if p not in post_ids]
    faq_files = sorted((REPO_CONTENT / "faq").glob("*.yaml"))
    assert faq_files
    for path in faq_files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        dangling += [(path.name, s) for s in data.get("steps", []) if s not in step_ids]
        dangling += [(path.name, p) for p in data.get("posts", []) if p not in post_ids]
    assert dangling == []


def test_step_references_in_answers_point_to_real_steps(repo_content) -> None:  # noqa: ANN001
    """Answers say things like "(/step 11)"; that number must exist."""
    for entry in repo_content.faq:
        for lang, t in entry.texts.items():
            for n in re.findall(r"/step (\d+)", t.answer):
                assert 1 <= int(n) <= len(repo_content.steps), (entry.id, lang, n)


# one mistake at a time, on a copy


def test_invalid_yaml(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "faq/salary.yaml", "posts: [seed-article]\n", "posts: [seed-article]]\n")
    problems = _problems_in(root, "faq/salary.yaml")
    p = _one(problems, "not valid YAML")
    assert p.line == line
    assert p.message.endswith("; check the indentation and quotes")
    assert str(p).startswith(f"content/faq/salary.yaml:{line}: ")


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "faq/salary.yaml", "  answer: |\n    It depends", "  anwser: |\n    It depends")
    problems = _problems_in(root, "faq/salary.yaml")
    p = _one(problems, "anwser")
    assert p.line == line
    assert "did you mean 'answer'" in p.message


def test_unknown_key_in_a_roadmap_step(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "roadmap.yaml", "    hours: 60\n", "    hous: 60\n")
    p = _one(_problems_in(root, "roadmap.yaml"), "hous")
    assert p.line == line
    assert "did you mean 'hours'" in p.message


def test_missing_chinese_section(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "faq" / "salary.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nzh:\n") + 1], encoding="utf-8")
    problems = _problems_in(root, "faq/salary.yaml")
    p = _one(problems, "missing translation")
    assert "'zh:'" in p.message
    assert "title, questions and answer" in p.message
    assert p.line == 1  # the topic's block starts on line 1


def test_unknown_roadmap_step_in_a_faq_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "faq/salary.yaml", "steps: [portfolio, job-search]", "steps: [portfolio, job-serach]")
    p = _one(_problems_in(root, "faq/salary.yaml"), "unknown roadmap step")
    assert p.line == line
    assert "'job-serach'" in p.message
    assert "did you mean 'job-search'" in p.message


def test_unknown_roadmap_step_in_a_block_list(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    first = _edit(
        root,
        "faq/salary.yaml",
        "steps: [portfolio, job-search]\n",
        "steps:\n  - portfolio\n  - no-such-step-at-all\n",
    )
    p = _one(_problems_in(root, "faq/salary.yaml"), "no-such-step-at-all")
    assert p.line == first + 2  # the line of the bad item, not of 'steps:'


def test_unknown_post_in_a_roadmap_step(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "roadmap.yaml", "posts: [seed-article, why-ml-matters]", "posts: [seed-artcle]")
    p = _one(_problems_in(root, "roadmap.yaml"), "unknown post")
    assert p.line == line
    assert "did you mean 'seed-article'" in p.message


def test_duplicate_step_id(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "roadmap.yaml", "  - id: python-basics\n", "  - id: understand-the-role\n")
    p = _one(_problems_in(root, "roadmap.yaml"), "used twice")
    assert p.line == line
    assert "'understand-the-role'" in p.message
    assert "unique" in p.message


def test_faq_id_must_match_the_file_name(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "faq/salary.yaml", "id: salary\n", "id: salaries\n")
    p = _one(_problems_in(root, "faq/salary.yaml"), "file name")
    assert p.line == line == 1
    assert "'salaries'" in p.message
    assert "salaries.yaml" in p.message  # tells the editor what to rename the file to


def test_ui_placeholders_must_match_english(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "ui/zh.yaml", "{name}，你好！", "{nom}，你好！")
    line = _line_of(root, "ui/zh.yaml", "start.welcome:")
    p = _one(_problems_in(root, "ui/zh.yaml"), "placeholders")
    assert p.line == line
    assert "'start.welcome'" in p.message
    assert "{name}" in p.message


def test_ui_key_missing_in_chinese(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "ui/zh.yaml", 'help.intro: "我能帮你做这些事："\n', "")
    p = _one(_problems_in(root, "ui/zh.yaml"), "help.intro")
    assert "missing translation" in p.message
    assert "ui/en.yaml" in p.message
    assert p.line == 1  # the key has no line of its own: the file as a whole


def test_ui_key_only_in_chinese(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "ui/zh.yaml", "help.intro:", 'help.extra: "多余的"\nhelp.intro:')
    p = _one(_problems_in(root, "ui/zh.yaml"), "help.extra")
    assert p.line == line
    assert "not in ui/en.yaml" in p.message


def test_same_question_in_two_topics(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    # salary.yaml has "ml engineer salary"; case and the question mark do not make it different
    inserted = _edit(
        root, "faq/time-to-learn.yaml", "  questions:\n", "  questions:\n    - ML Engineer Salary?\n"
    )
    inserted += 1
    content, problems = load_content(root)
    assert content is None
    collisions = [p for p in problems if "one topic only" in p.message]
    assert len(collisions) == 1, [str(p) for p in problems]
    p = collisions[0]
    if p.file == "content/faq/time-to-learn.yaml":
        assert "'salary'" in p.message
        assert p.line == inserted
    else:
        assert p.file == "content/faq/salary.yaml"
        assert "'time-to-learn'" in p.message
        assert p.line == _line_of(root, "faq/salary.yaml", "    - ml engineer salary\n")
    assert "salary" in p.message.lower()


def test_duplicate_key_in_one_block(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    first = _edit(root, "faq/salary.yaml", "posts: [seed-article]\n", "posts: [seed-article]\nposts: []\n")
    p = _one(_problems_in(root, "faq/salary.yaml"), "appears twice")
    assert p.line == first + 1  # the second 'posts:'
    assert "'posts'" in p.message
    assert "keep one" in p.message


def test_a_problem_anywhere_means_nothing_is_served(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root, "posts.yaml", "  - id: seed-article\n", "  - id: Seed Article\n")
    content, problems = load_content(root)
    assert content is None
    assert any(p.file == "content/posts.yaml" for p in problems)


def test_missing_folder() -> None:
    content, problems = load_content("/no/such/content/folder")
    assert content is None
    assert len(problems) == 1
    assert "does not exist" in problems[0].message


# the command line


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_bot(tmp_path, *args, timeout=30)


@pytest.mark.slow
def test_cli_check_ok_on_the_repo_content(tmp_path: Path) -> None:
    result = _cli(tmp_path, "content", "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")
    assert re.search(r"\d+ FAQ topics in 2 languages, \d+ roadmap steps", result.stdout)


@pytest.mark.slow
def test_cli_check_lists_file_line_problems(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    line = _edit(root, "faq/salary.yaml", "job-search]", "job-serach]")
    _edit(root, "ui/zh.yaml", "{name}，你好！", "{nom}，你好！")
    result = _cli(tmp_path, "content", "check", "--dir", str(root))
    assert result.returncode == 1
    assert "OK" not in result.stdout
    out = result.stdout + result.stderr
    located = re.findall(r"^(content/[\w/.-]+\.yaml):(\d+): (.+)$", out, flags=re.M)
    assert ("content/faq/salary.yaml", str(line)) in {(f, n) for f, n, _ in located}
    assert any(f == "content/ui/zh.yaml" and "placeholders" in m for f, _, m in located)
    assert "2 problem(s) found" in out


def test_same_words_in_another_order_collide_too(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "faq" / "kaggle.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  questions:\n", "  questions:\n    - Salary, ML engineer?\n", 1), encoding="utf-8"
    )
    problems = _problems_in(root, "faq/kaggle.yaml") + _problems_in(root, "faq/salary.yaml")
    assert any("one topic only" in p.message for p in problems), [str(p) for p in problems]


def test_off_topic_examples_are_checked(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "offtopic.yaml"
    salary_q = yaml.safe_load((root / "faq" / "salary.yaml").read_text(encoding="utf-8"))["en"]["questions"][
        0
    ]
    path.write_text(f"en:\n  - recipe for pancakes\n  - {salary_q}\nzh: not-a-list\n", encoding="utf-8")
    problems = _problems_in(root, "offtopic.yaml")
    assert any(p.line == 3 and "FAQ topic 'salary'" in p.message for p in problems), [
        str(p) for p in problems
    ]
    assert any(p.line == 4 and "must be a list" in p.message for p in problems), [str(p) for p in problems]


# parsing: libyaml where available, the same file:line problems without it


def test_content_is_parsed_with_libyaml_where_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml")
    assert yaml_lines._Loader is yaml_lines._CLoader
    assert issubclass(yaml_lines._Loader, yaml.CSafeLoader)


@pytest.mark.slow  # the whole content through the pure-Python YAML parser
def test_the_pure_python_parser_reports_the_same_file_lines(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    root = _copy(tmp_path)
    _edit(root, "faq/salary.yaml", "posts: [seed-article]\n", "posts: [seed-article]]\n")
    _edit(root, "faq/kaggle.yaml", "posts: [", "posts: []\nposts: [")
    _edit(root, "roadmap.yaml", "    hours: 60\n", "    hous: 60\n")
    _edit(root, "faq/time-to-learn.yaml", "steps: [", "steps: [no-such-step, ")
    with_c = {(p.file, p.line) for p in load_content(root)[1]}
    monkeypatch.setattr(yaml_lines, "_Loader", yaml_lines._PyLoader)
    pure = {(p.file, p.line) for p in load_content(root)[1]}
    assert {"content/faq/salary.yaml", "content/faq/kaggle.yaml", "content/roadmap.yaml"} <= {
        f for f, _ in with_c
    }
    assert pure == with_c


@pytest.mark.parametrize("loader", ["_CLoader", pytest.param("_PyLoader", marks=pytest.mark.slow)])
@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("id: salary\nsteps: [job-search]\nposts: \x07\n", 3, "#x0007"),
        ("id: salary\nen: 中文中文\nzh: \x07\n", 3, "#x0007"),
        ("id: salary\n? [a, b]\n: c\n", 2, "a key must be"),
        ("id: salary\nen: " + "[" * 5000 + "]" * 5000 + "\n", 0, ""),
    ],
    ids=["control-char", "control-char-after-chinese", "list-as-key", "deep-nesting"],
)
def test_a_file_the_parser_cannot_read_is_a_problem_not_a_crash(
    tmp_path: Path,
    monkeypatch,
    loader: str,
    text: str,
    line: int,
    words: str,  # noqa: ANN001
) -> None:
    if getattr(yaml_lines, loader) is None:
        pytest.skip("this PyYAML was built without libyaml")
    monkeypatch.setattr(yaml_lines, "_Loader", getattr(yaml_lines, loader))
    root = _copy(tmp_path)
    (root / "faq" / "salary.yaml").write_text(text, encoding="utf-8")
    problems = _problems_in(root, "faq/salary.yaml")
    assert len(problems) == 1, [str(p) for p in problems]
    if line:
        assert problems[0].line == line
        assert words in problems[0].message


# size and emptiness: a file that would freeze a reload, or that an editor has just truncated


def _oversize(root: Path, rel: str) -> None:
    """Keep the file valid, but pad it with a comment just past the size limit."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    pad = yaml_lines.MAX_FILE_BYTES + 1 - len(text.encode("utf-8")) - 3
    path.write_text(text + "\n# " + "x" * pad, encoding="utf-8")
    assert path.stat().st_size == yaml_lines.MAX_FILE_BYTES + 1


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    assert 20 * max(p.stat().st_size for p in REPO_CONTENT.rglob("*.yaml")) <= yaml_lines.MAX_FILE_BYTES
    root = _copy(tmp_path)
    _oversize(root, "faq/salary.yaml")
    problems = _problems_in(root, "faq/salary.yaml")
    assert len(problems) == 1
    assert problems[0].line == 1
    assert "over the limit of 1 MB" in problems[0].message and "split it" in problems[0].message
    assert str(problems[0]).startswith("content/faq/salary.yaml:1: the file is 1,048,577 bytes")


@pytest.mark.parametrize(
    "rel", ["faq/salary.yaml", "roadmap.yaml", "posts.yaml", "ui/zh.yaml", "offtopic.yaml"]
)
@pytest.mark.parametrize("text", ["", "  \n\n\t\n", "\ufeff\n"], ids=["zero-bytes", "whitespace", "bom"])
def test_an_empty_file_is_a_problem(tmp_path: Path, rel: str, text: str) -> None:
    root = _copy(tmp_path)
    (root / rel).write_text(text, encoding="utf-8")
    p = _one(_problems_in(root, rel), "file is empty")
    assert p.line == 1


def test_a_file_of_only_comments_is_a_problem(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "faq" / "salary.yaml").write_text("# salary: to be rewritten\n", encoding="utf-8")
    _one(_problems_in(root, "faq/salary.yaml"), "only comments")


# the same web address twice in one topic or step


def test_repo_content_has_no_duplicate_links() -> None:
    _, problems = load_content(REPO_CONTENT)
    assert [str(p) for p in problems if "keep it once" in p.message] == []


def test_a_link_that_repeats_a_post_of_the_same_topic_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    seed = yaml.safe_load((root / "posts.yaml").read_text(encoding="utf-8"))["posts"][0]
    assert seed["id"] == "seed-article"
    line = _edit(
        root, "faq/salary.yaml", "links:\n", f"links:\n  - title: The article\n    url: {seed['url']}\n"
    )
    p = _one(_problems_in(root, "faq/salary.yaml"), "already in this topic")
    assert p.line == line + 2  # the url: line of the repeated link
    assert seed["url"] in p.message
    assert f"post 'seed-article' in posts, line {_line_of(root, 'faq/salary.yaml', 'posts:')}" in p.message


def test_two_resources_of_a_step_with_the_same_address_are_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    first = _line_of(root, "roadmap.yaml", "        url: https://roadmap.sh/machine-learning\n")
    added = _edit(
        root,
        "roadmap.yaml",
        "    posts: [seed-article, why-ml-matters]\n",
        "      - title: The same roadmap again\n        url: http://www.roadmap.sh/machine-learning/\n"
        "    posts: [seed-article, why-ml-matters]\n",
    )
    p = _one(_problems_in(root, "roadmap.yaml"), "already in this step")
    assert p.line == added + 1  # the second url:
    assert f"line {first}" in p.message


@pytest.mark.slow  # a `python -m bot` run
def test_cli_check_reports_a_file_over_the_size_limit(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _oversize(root, "roadmap.yaml")
    result = _cli(tmp_path, "content", "check", "--dir", str(root))
    assert result.returncode == 1
    assert re.search(
        r"^content/roadmap\.yaml:1: the file is .*over the limit of 1 MB", result.stderr, flags=re.M
    )


@pytest.mark.slow  # a `python -m bot` run
def test_cli_check_reports_a_duplicate_link(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(
        root,
        "faq/datasets.yaml",
        "links:\n",
        "links:\n  - {title: Again, url: https://www.kaggle.com/learn/overview}\n",
    )
    result = _cli(tmp_path, "content", "check", "--dir", str(root))
    assert result.returncode == 1
    assert re.search(
        r"^content/faq/datasets\.yaml:\d+: the link https://www\.kaggle\.com/learn/overview is already",
        result.stderr,
        flags=re.M,
    )


# a new content type: one loader and its file, registered with one field of Content


class GlossaryLoader(Loader[dict[str, tuple[str, ...]]]):
    """glossary.yaml (made up for this test): `term: [roadmap step ids]`."""

    def load(self, loading: Loading) -> dict[str, tuple[str, ...]]:
        steps = ROADMAP.index(loading.part(ROADMAP))
        path = loading.root / "glossary.yaml"
        c = loading.file(path)
        data = c.load(path)
        if data is None:
            return {}
        if not isinstance(data, yaml_lines.LineMap):
            c.add(1, "glossary.yaml holds 'term: [step ids]' lines")
            return {}
        return {term: c.id_list(data, term, steps, "roadmap step") for term in data}

    def index(self, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return value


GLOSSARY = GlossaryLoader()


@dataclass(frozen=True)
class WithGlossary(Content):
    glossary: dict[str, tuple[str, ...]] = part(GLOSSARY)


def test_a_new_content_type_is_loaded_indexed_and_checked_with_file_lines(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "glossary.yaml").write_text(
        "overfitting: [evaluation]\ntensor: [deep-learning]\n", encoding="utf-8"
    )
    content, problems = load_content(root, WithGlossary)
    assert problems == []
    assert content is not None and content.glossary["tensor"] == ("deep-learning",)
    assert content.by_id(GLOSSARY) == content.glossary
    assert len(content.faq) == len(load_content(root)[0].faq)  # the other types as always

    (root / "glossary.yaml").write_text(
        "overfitting: [evaluation]\ntensor: [deep-lerning]\n", encoding="utf-8"
    )
    content, problems = load_content(root, WithGlossary)
    assert content is None
    assert [str(p) for p in problems] == [
        "content/glossary.yaml:2: unknown roadmap step 'deep-lerning': did you mean 'deep-learning'?"
    ]
    (root / "glossary.yaml").write_text("", encoding="utf-8")  # the file checks every type gets
    assert [str(p) for p in load_content(root, WithGlossary)[1]] == [
        "content/glossary.yaml:1: the file is empty; "
        "write its content again, or delete the file if that was meant"
    ]


def test_each_type_is_indexed_by_its_loader(repo_content) -> None:  # noqa: ANN001
    assert repo_content.by_id(FAQ) is repo_content.faq_by_id
    assert list(repo_content.faq_by_id) == [e.id for e in repo_content.faq]
    assert list(repo_content.by_id(ROADMAP)) == [s.id for s in repo_content.steps]
    assert repo_content.by_id(POSTS) is repo_content.posts


def test_a_type_that_reads_a_later_type_fails_loudly(tmp_path: Path) -> None:
    class NeedsLater(Loader[int]):
        def load(self, loading: Loading) -> int:
            return len(loading.part(GLOSSARY))

    @dataclass(frozen=True)
    class Misordered(Content):
        early: int = part(NeedsLater())
        glossary: dict[str, tuple[str, ...]] = part(GLOSSARY)

    with pytest.raises(LookupError, match="put its field above this one in Content"):
        load_content(_copy(tmp_path), Misordered)


def test_a_file_read_again_is_a_fresh_copy_and_an_edit_is_parsed_again(tmp_path: Path) -> None:
    """The parse memo (yaml_lines._PARSED): same text, same data but never the same objects; new text,
    new data."""
    from handlers.content import yaml_lines

    path = tmp_path / "a.yaml"
    path.write_text("id: a\nen:\n  title: One\n", encoding="utf-8")
    first = yaml_lines.read(path, lambda line, message: pytest.fail(message))
    first["en"]["title"] = "changed by the first reader"
    second = yaml_lines.read(path, lambda line, message: pytest.fail(message))
    assert second["en"]["title"] == "One" and second.key_lines == {"id": 1, "en": 2}
    assert second["en"].line == 3 and second is not first
    path.write_text("id: a\nen:\n  title: Two\n", encoding="utf-8")
    assert yaml_lines.read(path, lambda line, message: pytest.fail(message))["en"]["title"] == "Two"
