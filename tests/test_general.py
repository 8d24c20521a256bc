from tests.conftest import buttons, texts


async def test_start_welcomes_by_name_and_lists_commands(chat):
    replies = await chat.say("/start")
    text = texts(replies)
    assert "Hi Alice" in text and "/roadmap" in text and "/faq" in text
    assert ("Roadmap", "step:roadmap") in buttons(replies)


async def test_start_and_help_follow_the_platform_locale(app):
    zh = app.fake.chat("li", name="小李", locale="zh-CN")
    assert "小李，你好" in texts(await zh.say("/start"))
    assert "我能帮你做这些事" in texts(await zh.say("/help"))


async def test_start_buttons_lead_somewhere(chat):
    await chat.say("/start")
    await chat.click("Roadmap")
    assert "Your roadmap" in chat.text()
    await chat.say("/start")
    await chat.click("FAQ topics")
    assert "topics" in chat.text()


async def test_unknown_commands_get_help_and_a_suggestion(chat):
    assert "Did you mean /roadmap" in texts(await chat.say("/roadmpa"))
    text = texts(await chat.say("/xyzzy"))
    assert "I don't know the command /xyzzy" in text and "Did you mean" not in text


async def test_start_links_open_a_step_or_an_answer(app):
    chat = app.fake.chat("dee")
    text = texts(await chat.say("/start step-3"))
    assert "Hi" in text and "3. " in text and "/roadmap" not in text  # the step, not the whole menu
    assert any(p.startswith("step:done:") for _, p in buttons(await chat.say("/start step-python-basics")))
    topic = app.store.content.faq[0]
    assert topic.texts["en"].title in texts(await chat.say(f"/start faq-{topic.id}"))
    zh = app.fake.chat("li", locale="zh-CN")
    assert topic.texts["zh"].title in texts(await zh.say(f"/start faq-{topic.id}"))


async def test_start_links_to_nowhere_fall_back_to_the_menu(chat):
    for payload in ("step-99", "faq-nope", "hello", "step-", "<b>x</b>"):
        text = texts(await chat.say(f"/start {payload}"))
        assert "Hi Alice" in text and "/roadmap" in text, payload


async def test_help_fits_one_discord_message_and_one_telegram_message_in_both_languages(app):
    from bot.adapters.discord_render import render as discord  # noqa: PLC0415
    from bot.adapters.telegram_render import render as telegram  # noqa: PLC0415

    for lang in ("en", "zh"):
        chat = app.fake.chat(f"help-{lang}")
        await chat.say(f"/lang {lang}")
        (reply,) = await chat.say("/help")
        assert len(discord(reply)) == 1 and len(telegram(reply)) == 1, lang


async def test_help_on_one_command_gives_its_usage_and_options_and_an_unknown_one_is_named(chat):
    text = texts(await chat.say("/help log"))
    assert "/log <minutes> [what]" in text and "how long: 45, 1h30" in text
    assert texts(await chat.say("/help /remind")).count("/remind <when> [text]") == 1
    unknown = texts(await chat.say("/help <b>nope</b>"))
    assert "/<b>nope</b>" in unknown and "/help" in unknown
    await chat.say("/lang zh")
    assert "/log <分钟> [内容]" in texts(await chat.say("/help log"))
