"""/note, /notes, /unnote (handlers/notes.py, db/notes.py): notes per step, shown on the step, in
/export as data and Markdown, gone with /forget; in English and Chinese."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from db.models import StepNote
from tests.conftest import DATABASES, buttons, texts


async def _count(app) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(StepNote))


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_note_is_saved_listed_shown_on_its_step_and_deleted(db_app):
    chat = db_app.fake.chat("alice")
    saved = texts(await chat.say("/note 3 eigenvectors finally clicked after 3b1b ep. 14"))
    assert saved.startswith("Saved as note #1 on step 3")
    await chat.say("/note 1 <b>read</b> the job posts @everyone")
    listed = texts(await chat.say("/notes"))
    assert "Your 2 notes:" in listed
    assert listed.index("1. Understand the role") < listed.index("3. ")  # roadmap order
    assert "<b>read</b> the job posts @everyone" in listed  # as written; the renderer escapes it
    step = texts(await chat.say("/step 3"))
    assert "Your note:" in step and "eigenvectors finally clicked" in step and "job posts" not in step
    assert "no notes on step 2" in texts(await chat.say("/notes 2"))
    assert "Deleted note #1" in texts(await chat.say("/unnote 1"))
    assert "You have no note #1" in texts(await chat.say("/unnote 1"))
    assert await _count(db_app) == 1


async def test_bad_notes_change_nothing(chat, app):
    assert "Write the step and your note" in texts(await chat.say("/note"))
    assert "Write the step and your note" in texts(await chat.say("/note 3"))
    assert 'There is no step "99"' in texts(await chat.say("/note 99 hello"))
    assert "a note holds up to 500" in texts(await chat.say("/note 3 " + "x" * 501))
    assert "Give the number of the note" in texts(await chat.say("/unnote abc"))
    assert await _count(app) == 0


async def test_someone_elses_note_cannot_be_deleted(app):
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    await alice.say("/note 2 list comprehensions")
    assert "You have no note #1" in texts(await bob.say("/unnote 1"))
    assert "no notes yet" in texts(await bob.say("/notes"))
    assert await _count(app) == 1


async def test_export_has_the_notes_as_data_and_markdown_and_forget_removes_them(chat, app):
    await chat.say("/note 3 eigenvectors clicked")
    await chat.say("/note 1 read five job posts")
    (reply,) = await chat.say("/export")
    data = json.loads(reply.attachment.data)
    # the data by step id, then time; the Markdown in roadmap order
    assert [(n["step"], n["text"]) for n in data["step_notes"]] == [
        ("math-foundations", "eigenvectors clicked"),
        ("understand-the-role", "read five job posts"),
    ]
    md = data["step_notes_markdown"]
    assert md.startswith("# My Study Buddy notes\n")
    assert md.index("## 1. Understand the role") < md.index("## 3. ")
    assert "- 2026-03-02: eigenvectors clicked" in md
    await chat.say("/forget")
    await chat.click(next(lbl for lbl, _ in buttons(chat.last) if "delete" in lbl.lower()))
    assert await _count(app) == 0


async def test_notes_in_chinese(chat, app):
    await chat.say("/lang zh")
    assert "已保存为第 3 步" in texts(await chat.say("/note 3 终于弄懂了特征向量"))
    assert "你的 1 条笔记：" in texts(await chat.say("/notes"))
    assert "**" not in texts(await chat.say("/step 3")) and "你的笔记（1）" in texts(
        await chat.say("/step 3")
    )
