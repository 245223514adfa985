"""A broadcast with a text per language: written in one message, each text checked,
stored per language, previewed one by one; a recipient gets theirs, others the English.
/stats counts subscribers per language."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.core.i18n import use_locale
from bot.services.broadcasts import split_languages
from bot.ui.outbox import broadcast_text
from tests.helpers import ADMIN, USER, make_renderer

pytestmark = pytest.mark.both_engines

FOUR = ("<b>Good news</b>: new tips!\n"
        "[ru]\n<b>Хорошие новости</b>: новые советы!\n"
        "[es]\n<b>Buenas noticias</b>: ¡consejos nuevos!\n"
        "[pt-BR]\n<b>Boas notícias</b>: dicas novas!")


async def set_language(bot, chat_id: int, language: str) -> None:
    """What /language stores: the chat's chosen locale on its subscriber row."""
    assert await bot.storage.subscribers.set_language(chat_id, language, chosen=True,
                                                      now=bot.clock.now())


# ------------------------------------------------------------------ the admin's syntax

def test_a_text_without_markers_is_the_english_as_typed():
    assert split_languages("Hello <b>all</b>\n") == ({"en": "Hello <b>all</b>\n"}, None)


def test_each_marker_starts_a_language_and_the_text_before_is_english():
    texts, problem = split_languages(FOUR)
    assert problem is None
    assert texts == {"en": "<b>Good news</b>: new tips!",
                     "ru": "<b>Хорошие новости</b>: новые советы!",
                     "es": "<b>Buenas noticias</b>: ¡consejos nuevos!",
                     "pt-BR": "<b>Boas notícias</b>: dicas novas!"}
    assert list(texts) == ["en", "ru", "es", "pt-BR"]


@pytest.mark.parametrize("marker", ["[pt]", "[PT-br]", "[pt_BR]", " [pt-BR] "])
def test_portuguese_markers_in_any_spelling_mean_pt_br(marker):
    assert split_languages(f"Hi\n{marker}\nOi") == ({"en": "Hi", "pt-BR": "Oi"}, None)


def test_an_explicit_english_marker_is_allowed():
    assert split_languages("[en]\nHi\n[ru]\nПривет") == ({"en": "Hi", "ru": "Привет"}, None)


@pytest.mark.parametrize(("raw", "words"), [
    ("Hi\n[de]\nHallo", ["[de]", "[ru]", "[es]", "[pt-BR]"]),
    ("Hi\n[uk]\nПривіт", ["[uk]"]),  # never mapped onto Russian
    ("Hi\n[ru]\nПривет\n[ru]\nЕщё", ["[ru]", "twice"]),
    ("[ru]\nПривет", ["English", "first"]),
    ("Hi\n[es]\n\n[ru]\nПривет", ["[es]", "empty"]),
    ("Hi\n[en]\nHello", ["English", "twice"]),
])
def test_a_wrong_marker_is_refused_with_what_to_write(raw, words):
    texts, problem = split_languages(raw)
    assert texts == {}
    assert problem is not None
    for word in words:
        assert word in problem, (word, problem)


# ------------------------------------------------------------------ the recipient's text

def test_the_recipient_gets_their_language_else_the_english():
    translations = {"ru": "Привет", "es": "Hola"}
    assert broadcast_text("Hello", translations, "ru") == "Привет"
    assert broadcast_text("Hello", translations, "es") == "Hola"
    assert broadcast_text("Hello", translations, "pt-BR") == "Hello"
    assert broadcast_text("Hello", translations, "en") == "Hello"
    assert broadcast_text("Hello", {}, "ru") == "Hello"


# ------------------------------------------------------------------ through the bot

async def test_a_four_language_broadcast_is_previewed_stored_and_counted_per_language(bot):
    for chat in (USER, USER + 1, USER + 2, USER + 3, USER + 4):
        await bot.start(chat)
    await set_language(bot, USER + 1, "ru")
    await set_language(bot, USER + 2, "ru")
    await set_language(bot, USER + 3, "es")
    answers = await bot.say("/broadcast " + FOUR, chat_id=ADMIN)
    assert [a.raw_text for a in answers[:4]] == [
        "<b>Good news</b>: new tips!", "<b>Хорошие новости</b>: новые советы!",
        "<b>Buenas noticias</b>: ¡consejos nuevos!", "<b>Boas notícias</b>: dicas novas!"]
    confirm = answers[4].text
    assert "one per language (en, ru, es, pt-BR)" in confirm
    assert "Send it to 5 active subscribers?" in confirm
    assert "ru 2 · es 1 · pt-BR 0 · English 2" in confirm
    assert answers[4].callback_data[0].startswith("bc:")
    assert bot.rows("SELECT text FROM broadcasts") == [("<b>Good news</b>: new tips!",)]
    assert bot.rows("SELECT language, text FROM broadcast_texts ORDER BY language") == [
        ("es", "<b>Buenas noticias</b>: ¡consejos nuevos!"),
        ("pt-BR", "<b>Boas notícias</b>: dicas novas!"),
        ("ru", "<b>Хорошие новости</b>: новые советы!")]


async def test_a_broadcast_in_english_only_keeps_its_one_preview(bot):
    await bot.start()
    answers = await bot.say("/broadcast Hello all", chat_id=ADMIN)
    assert [a.text for a in answers[:1]] == ["Hello all"]
    assert "Send it to 1 active subscriber?" in answers[1].text
    assert "per language" not in answers[1].text
    assert bot.rows("SELECT count(*) FROM broadcast_texts") == [(0,)]


@pytest.mark.parametrize(("text", "words"), [
    ("Hi\n[ru]\n<b>Привет", ["ru", "never closed"]),
    ("Hi\n[es]\n" + "ñ" * 4097, ["es", "4097 characters"]),
    ("Hi\n[pt-BR]\n5 < 6", ["pt-BR", "bare “<”"]),
    ("Hi\n[fr]\nSalut", ["[fr]", "[ru]"]),
])
async def test_each_language_is_checked_and_nothing_is_kept_when_one_fails(bot, text, words):
    await bot.start()
    answer = await bot.reply(f"/broadcast {text}", chat_id=ADMIN)
    assert answer.text.startswith("🚫 Not queued")
    for word in words:
        assert word in answer.text, (word, answer.text)
    assert "[ru]" in answer.text  # the right form, as an example
    assert bot.rows("SELECT count(*) FROM broadcasts") == [(0,)]
    assert bot.rows("SELECT count(*) FROM broadcast_texts") == [(0,)]


async def test_each_recipient_row_renders_in_its_language_others_in_english(bot):
    """Each row is rendered in its recipient's language (the subscriber row's); a language
    the broadcast has no text for, or one the bot does not speak, gets the English."""
    languages = {USER: "ru", USER + 1: "es", USER + 2: "pt-br", USER + 3: "uk"}
    for chat, code in languages.items():
        await bot.say("/start", chat_id=chat, language_code=code)
    answers = await bot.say("/broadcast Hello\n[ru]\nПривет\n[es]\nHola", chat_id=ADMIN)
    await bot.press(answers[-1], answers[-1].callback_data[0])
    rows = await bot.storage.outbox.claim(bot.clock.now(), 10, epoch=1)
    broadcasts = [row for row in rows if row.kind == "broadcast" and row.chat_id in languages]
    assert len(broadcasts) == 4
    render = make_renderer(bot.runtime.deps.feed, bot.storage, bot.clock)
    with use_locale("en"):  # whatever the sender's own context, the row's language counts
        seen = {row.chat_id: render(row)[0] for row in broadcasts}
    assert seen == {USER: "Привет", USER + 1: "Hola", USER + 2: "Hello", USER + 3: "Hello"}


async def test_an_english_only_broadcast_reaches_a_russian_reader_in_english(bot):
    await bot.start()
    answers = await bot.say("/broadcast Hello", chat_id=ADMIN)
    await bot.press(answers[-1], answers[-1].callback_data[0])
    rows = await bot.storage.outbox.claim(bot.clock.now(), 10, epoch=1)
    with use_locale("ru"):
        render = make_renderer(bot.runtime.deps.feed, bot.storage, bot.clock)
        assert [render(row)[0] for row in rows if row.kind == "broadcast"] == ["Hello"]


async def test_a_reply_mode_broadcast_splits_the_replied_message_too(bot):
    await bot.start()
    written = bot.standin.user_sends(ADMIN, "Hi all\n[ru]\nВсем привет")
    bot.standin.next_update_nowait()
    command = bot.standin.user_sends(ADMIN, "/broadcast")
    bot.standin.next_update_nowait()
    command["message"]["reply_to_message"] = written["message"]
    before = len(bot.standin.messages_to(ADMIN))
    await bot.app.process_update(Update.de_json(command, bot.app.bot))
    answers = bot.standin.messages_to(ADMIN)[before:]
    assert [a.text for a in answers[:2]] == ["Hi all", "Всем привет"]
    assert bot.rows("SELECT language, text FROM broadcast_texts") == [("ru", "Всем привет")]


async def test_help_for_admins_shows_how_to_write_other_languages(bot):
    shown = (await bot.reply("/help", chat_id=ADMIN)).text
    assert "[ru]" in shown and "[es]" in shown and "[pt-BR]" in shown


async def test_stats_count_active_subscribers_per_language(bot):
    for chat in (USER, USER + 1, USER + 2, USER + 3, USER + 4, USER + 5):
        await bot.start(chat)
    await set_language(bot, USER + 1, "ru")
    await set_language(bot, USER + 2, "ru")
    await set_language(bot, USER + 3, "pt-BR")
    await set_language(bot, USER + 4, "es")
    await bot.reply("/stop", chat_id=USER + 4)
    text = (await bot.reply("/stats", chat_id=ADMIN)).text
    assert "Active subscribers by language: en 2 · ru 2 · pt-BR 1" in text
    assert "es" not in text.split("by language:")[1].split("\n")[0]
