"""The stand-in's sendPhoto and sendDocument: file name, bytes and caption recorded, over
loopback HTTP (multipart, the bot's own aiohttp client) and in-process."""

from __future__ import annotations

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.delivery.aiohttp_request import AiohttpRequest
from standin import BotApiStandIn, StandInRequest
from standin.http import serve

TOKEN = "123456:standin-upload-test-token-abcdefg"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # every byte value survives the trip
CSV = '"a","b"\r\n"=1","ü"\r\n'.encode()


async def _uploads(bot: Bot, standin: BotApiStandIn) -> None:
    photo = await bot.send_photo(7, InputFile(PNG, filename="chart.png"),
                                 caption="<b>Nights</b>: 1 · 2", parse_mode="HTML")
    assert photo.caption == "Nights: 1 · 2" and photo.photo
    document = await bot.send_document(7, InputFile(CSV, filename="diary.csv"),
                                       caption="Your diary")
    assert document.document.file_name == "diary.csv"
    sent = standin.messages_to(7)
    assert [(m.media, m.file_name, m.file_bytes, m.text) for m in sent] == [
        ("photo", "chart.png", PNG, "Nights: 1 · 2"),
        ("document", "diary.csv", CSV, "Your diary"),
    ]
    with pytest.raises(BadRequest):
        await bot.send_photo(7, InputFile(PNG, filename="x.png"), caption="x" * 1025)


async def test_uploads_over_http():
    standin = BotApiStandIn()
    async with await serve(standin, token=TOKEN) as server:
        bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest(read_timeout=2))
        async with bot:
            await _uploads(bot, standin)


async def test_uploads_in_process():
    standin = BotApiStandIn()
    bot = Bot(TOKEN, request=StandInRequest(standin))
    async with bot:
        await _uploads(bot, standin)
