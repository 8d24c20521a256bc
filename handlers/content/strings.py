"""UI strings (ui/en.yaml, ui/zh.yaml): the bot's own sentences, `key: text`. English is the reference:
every other language has the same keys with the same {placeholders}, and plural forms are checked."""

from __future__ import annotations

from handlers.content.loader import LANGS, Loader, Loading, Problem
from handlers.content.yaml_lines import LineMap
from handlers.core import plurals


class StringsLoader(Loader[dict[str, dict[str, str]]]):
    """ui/<lang>.yaml for each language: {lang: {key: text}}."""

    def load(self, loading: Loading) -> dict[str, dict[str, str]]:
        root, problems = loading.root, loading.problems
        strings: dict[str, dict[str, str]] = {}
        lines: dict[str, dict[str, int]] = {}
        for lang in LANGS:
            path = root / "ui" / f"{lang}.yaml"
            c = loading.file(path)
            if not path.exists():
                c.add(1, f"ui/{lang}.yaml is missing: it holds the bot's own sentences in {lang}")
                continue
            data = c.load(path)
            if data is None:
                continue
            if not isinstance(data, LineMap):
                c.add(1, "a UI strings file is a list of 'key: text' lines")
                continue
            strings[lang], lines[lang] = {}, data.key_lines
            for key, value in data.items():
                if not isinstance(value, str):
                    c.add(data.key_lines[key], f"'{key}' must be text (put it in quotes)")
                else:
                    strings[lang][key] = value.strip("\n")
                    for message in plurals.problems(value, lang):
                        c.add(data.key_lines[key], f"'{key}': {message}")
        if "en" in strings:
            _check_translations(f"{root.name}/ui", strings, lines, problems)
        return strings


def _check_translations(
    folder: str, strings: dict[str, dict[str, str]], lines: dict[str, dict[str, int]], problems: list[Problem]
) -> None:
    """Every language has English's keys, with the same placeholders, and no key English lacks."""
    ref = strings["en"]
    for lang, table in strings.items():
        if lang == "en":
            continue
        file = f"{folder}/{lang}.yaml"
        for key in ref:
            if key not in table:
                problems.append(Problem(file, 1, f"missing translation for '{key}' (see ui/en.yaml)"))
            elif plurals.placeholders(ref[key]) != plurals.placeholders(table[key]):
                want = ", ".join(sorted("{" + p + "}" for p in plurals.placeholders(ref[key])))
                problems.append(
                    Problem(
                        file,
                        lines[lang][key],
                        f"'{key}' must use the same placeholders as English: {want or 'none'}",
                    )
                )
        for key in table:
            if key not in ref:
                problems.append(
                    Problem(
                        file,
                        lines[lang][key],
                        f"'{key}' is not in ui/en.yaml; remove it or add it there too",
                    )
                )


STRINGS = StringsLoader()
