"""Related posts (posts.yaml): the seed article and its related posts, which FAQ topics and roadmap steps
list by id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handlers.content.links import URL_RE
from handlers.content.loader import LANGS, Loader, Loading
from handlers.content.yaml_lines import LineMap


@dataclass(frozen=True)
class Post:
    id: str
    url: str
    titles: dict[str, str]


class PostsLoader(Loader[dict[str, Post]]):
    """posts.yaml: `posts:` followed by a list of id, url, en, zh."""

    def load(self, loading: Loading) -> dict[str, Post]:
        path = loading.root / "posts.yaml"
        c = loading.file(path)
        if not path.exists():
            c.add(1, "posts.yaml is missing: it lists the related posts (id, url, en, zh)")
            return {}
        data = c.load(path)
        if data is None:
            return {}
        if not isinstance(data, LineMap) or not isinstance(data.get("posts"), list):
            c.add(1, "posts.yaml must start with 'posts:' followed by a list of posts")
            return {}
        posts: dict[str, Post] = {}
        for item in data["posts"]:
            if not isinstance(item, LineMap):
                c.add(data["posts"].line, "each post needs id, url, en and zh")
                continue
            if not c.keys(item, ("id", "url", *LANGS), what="in a post"):
                continue
            pid, url = c.ident(item), c.text(item, "url")
            titles = {lang: c.text(item, lang) for lang in LANGS}
            if url and not URL_RE.match(url):
                c.add(item.key_lines["url"], f"'{url}' is not a web address; write it as https://...")
            elif pid in posts:
                c.add(item.line, f"post id '{pid}' is used twice; ids must be unique")
            elif pid and all(titles.values()):
                posts[pid] = Post(pid, url, titles)
        return posts

    def index(self, value: dict[str, Post]) -> Mapping[str, Post]:
        return value


POSTS = PostsLoader()
