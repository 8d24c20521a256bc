"""Roadmap steps (roadmap.yaml): the study steps in order, each with a stable id that learners' progress
is stored under, its en/zh title and summary, resources and related posts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.content.links import Resource, check_duplicate_links, read_resources
from handlers.content.loader import LANGS, FileCheck, Loader, Loading
from handlers.content.posts import POSTS
from handlers.content.yaml_lines import LineList, LineMap


@dataclass(frozen=True)
class Step:
    id: str
    number: int  # 1-based position in the roadmap file
    titles: dict[str, str]
    summaries: dict[str, str]
    resources: tuple[Resource, ...] = ()
    posts: tuple[str, ...] = ()
    hours: int | None = None
    # per language, what the step teaches ("backpropagation"): a request to explain one is pointed here
    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)


class RoadmapLoader(Loader[tuple[Step, ...]]):
    """roadmap.yaml: `steps:` followed by a list of id, hours, en/zh title and summary, resources, posts."""

    def load(self, loading: Loading) -> tuple[Step, ...]:
        posts = loading.part(POSTS)
        path = loading.root / "roadmap.yaml"
        c = loading.file(path)
        if not path.exists():
            c.add(1, "roadmap.yaml is missing: it lists the roadmap steps")
            return ()
        data = c.load(path)
        if data is None:
            return ()
        if not isinstance(data, LineMap) or not isinstance(data.get("steps"), list) or not data["steps"]:
            c.add(1, "roadmap.yaml must start with 'steps:' followed by a list of steps")
            return ()
        steps: list[Step] = []
        seen: set[str] = set()
        concept_steps: dict[tuple[str, str], str] = {}
        for item in data["steps"]:
            if not isinstance(item, LineMap):
                c.add(data["steps"].line, "each step needs id, en, zh and resources")
                continue
            if not c.keys(item, ("id", *LANGS), ("resources", "posts", "hours", "concepts"), "in a step"):
                continue
            sid = c.ident(item)
            if sid in seen:
                c.add(item.key_lines["id"], f"step id '{sid}' is used twice; ids must be unique")
                continue
            seen.add(sid)
            titles, summaries = {}, {}
            for lang in LANGS:
                section = item[lang]
                if not isinstance(section, LineMap):
                    c.add(item.key_lines[lang], f"'{lang}:' needs 'title:' and 'summary:' under it")
                    continue
                if c.keys(section, ("title", "summary"), what=f"in the {lang} section"):
                    titles[lang] = c.text(section, "title")
                    summaries[lang] = c.text(section, "summary")
            hours = item.get("hours")
            if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or hours <= 0):
                c.add(item.key_lines["hours"], "hours must be a whole number above 0, like 40")
                hours = None
            resources = read_resources(c, item, "resources")
            concepts = _concepts(c, item, concept_steps, sid)
            step_posts = c.id_list(item, "posts", posts, "post")
            check_duplicate_links(c, item, posts, ("resources", "posts"), "step")
            if sid and len(titles) == len(LANGS) and all(titles.values()) and all(summaries.values()):
                steps.append(
                    Step(sid, len(steps) + 1, titles, summaries, resources, step_posts, hours, concepts)
                )
        return tuple(steps)

    def index(self, value: tuple[Step, ...]) -> Mapping[str, Step]:
        return {s.id: s for s in value}


def _concepts(c: FileCheck, item: LineMap, owners: dict[tuple[str, str], str], sid: str) -> dict:
    """`concepts:` with `en:` and `zh:` lists of short names; a concept belongs to one step only."""
    value = item.get("concepts")
    if value is None:
        return {}
    where = item.key_lines["concepts"]
    if not isinstance(value, LineMap) or not c.keys(value, (), LANGS, "in concepts"):
        if not isinstance(value, LineMap):
            c.add(where, "concepts holds 'en:' and 'zh:', each a list of what the step teaches")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        items = value.get(lang, [])
        if not isinstance(items, LineList):
            c.add(value.key_lines.get(lang, where), f"concepts '{lang}:' must be a list of short names")
            continue
        good = []
        for name, line in zip(items, items.item_lines, strict=True):
            key = (lang, str(name).strip().lower())
            if not isinstance(name, str) or not name.strip():
                c.add(line, "each concept must be some text")
            elif key in owners and owners[key] != sid:
                c.add(line, f"concept '{name}' is also in step '{owners[key]}'; keep it in one step only")
            else:
                owners[key] = sid
                good.append(name.strip())
        out[lang] = tuple(good)
    return out


ROADMAP = RoadmapLoader()
