"""The content files (FAQ, roadmap, related posts, UI strings, off-topic examples): loading and checking.

Layout of a content directory (see content/README.md for the people who edit it):

    faq/<topic-id>.yaml     one FAQ topic: id, steps, posts, links, and an en: and zh: section (title,
                            questions, answer: 1-3 sentences, more: the details behind a "More" button)
    roadmap.yaml            steps: id, hours, en/zh title and summary, resources (lang: zh for Chinese
                            learners only), posts, concepts (what the step teaches, per language)
    posts.yaml              posts: id, url, en, zh  (the seed article and its related posts)
    ui/en.yaml, ui/zh.yaml  the bot's own sentences, key: text
    offtopic.yaml           en: and zh:, questions about other subjects, to decline (optional)
    not-a-tutor.yaml        en: and zh:, requests the bot is not for (homework, code help...) (optional)
    practice/<step-id>.yaml one step's deck: cards (front, back) and quiz questions (question, right,
                            wrong, explanation), en and zh (optional)

`load_content(path)` returns the content and a list of `Problem`s (file:line and what to fix).

Inside: one module per content type (posts, roadmap, faq, practice, strings, offtopic), each a `Loader`
(load and check, index; loader.py has the contract and how to add a type), `Content` in model.py with one
field per type, and yaml_lines.py, which parses a file keeping the line of every value.
"""

from handlers.content.faq import FAQ, FaqEntry, FaqText
from handlers.content.links import Resource
from handlers.content.loader import LANGS, FileCheck, Loader, Loading, Problem
from handlers.content.model import Content, load_content, part
from handlers.content.offtopic import NOT_A_TUTOR, OFFTOPIC
from handlers.content.posts import POSTS, Post
from handlers.content.practice import DECKS, Card, Deck, Question
from handlers.content.roadmap import ROADMAP, Step
from handlers.content.strings import STRINGS
from handlers.content.yaml_lines import MAX_FILE_BYTES

__all__ = [
    "DECKS",
    "FAQ",
    "LANGS",
    "MAX_FILE_BYTES",
    "NOT_A_TUTOR",
    "OFFTOPIC",
    "POSTS",
    "ROADMAP",
    "STRINGS",
    "Card",
    "Content",
    "Deck",
    "FaqEntry",
    "FaqText",
    "FileCheck",
    "Loader",
    "Loading",
    "Post",
    "Problem",
    "Question",
    "Resource",
    "Step",
    "load_content",
    "part",
]
