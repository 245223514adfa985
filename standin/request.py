"""The in-process transport: a python-telegram-bot request class that calls the core directly.

No socket is involved, so the tests that drive the real Application stay fast, while status
codes and error bodies still go through PTB's own parsing in ``BaseRequest.post``: the
exceptions the bot sees are the ones the real HTTP stack would raise.
"""

from __future__ import annotations

import asyncio
import json

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from standin.core import BotApiStandIn
from standin.errors import JSONDict
from standin.faults import SimulatedTimeout

__all__ = ["StandInRequest"]


class StandInRequest(BaseRequest):
    """A PTB request backend that calls a :class:`BotApiStandIn` directly, without sockets.

    Used as ``ApplicationBuilder().request(StandInRequest(s)).get_updates_request(
    StandInRequest(s))``. It honours PTB's read timeout (a stalled stand-in raises
    ``TimedOut`` as a stalled HTTP connection would) and turns "timeout" faults into
    ``TimedOut`` immediately so fault tests stay fast. Everything else (status codes, error
    bodies) goes through PTB's own parsing in ``BaseRequest.post``, so the exceptions the bot
    sees are the ones the real HTTP stack would raise.
    """

    __slots__ = ("_read_timeout", "_standin")

    def __init__(self, standin: BotApiStandIn, *, read_timeout: float | None = 5.0) -> None:
        self._standin = standin
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout; PTB adds the long-poll timeout to it for getUpdates."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: the stand-in lives in this process."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route ``url``'s last path segment (the API method) to the stand-in."""
        api_method = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        # A JSON round trip gives the stand-in plain JSON types and its own copy of the data,
        # as a real server would have, instead of objects the caller may still mutate.
        params: JSONDict = (
            json.loads(json.dumps(request_data.parameters)) if request_data else {}
        )
        if request_data is not None and request_data.multipart_data:
            # Uploads (sendPhoto, sendDocument) travel beside the JSON parameters, as the
            # parts of a multipart body would: (file name, bytes) per field.
            for name, part in request_data.multipart_data.items():
                filename, content = part[0], part[1]
                data = content if isinstance(content, bytes) else content.read()
                params[name] = {"filename": filename, "bytes": data}
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            if timeout is None:
                status, body = await self._standin.call(api_method, params)
            else:
                async with asyncio.timeout(timeout):
                    status, body = await self._standin.call(api_method, params)
        except SimulatedTimeout as exc:
            raise TimedOut("Timed out (simulated by the Bot API stand-in)") from exc
        except TimeoutError as exc:
            raise TimedOut(f"Timed out after {timeout}s waiting for the stand-in") from exc
        return status, json.dumps(body).encode("utf-8")
