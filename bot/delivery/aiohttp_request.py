"""An aiohttp-based request class for python-telegram-bot, for bulk sending.

PTB's default ``HTTPXRequest`` spends most of a loopback request's time in httpx/httpcore's
pure-Python connection pool; aiohttp's C-accelerated HTTP parser and simpler pool carry the
same Bot API traffic at a fraction of the CPU per request (see ``bench/``). This class plugs
into PTB exactly like ``HTTPXRequest``::

    request = AiohttpRequest(connection_pool_size=16, read_timeout=15, write_timeout=15)
    ApplicationBuilder().token(...).request(request).get_updates_request(AiohttpRequest())

Contract kept (``telegram.request.BaseRequest``): ``do_request`` returns ``(status, body)``
and never raises anything but ``TelegramError``: timeouts become ``TimedOut``, every other
transport failure ``NetworkError``. PTB's four timeouts map onto aiohttp's as follows:

* ``connect_timeout`` → ``sock_connect`` (TCP connect);
* ``pool_timeout`` + ``connect_timeout`` → ``connect`` (waiting for a pooled connection,
  then connecting: aiohttp times both together);
* ``read_timeout`` → ``sock_read`` (longest wait for data from the server);
* ``write_timeout``: aiohttp has no per-write timeout; when all four are finite, their sum
  bounds the whole request (``total``) so a stalled upload still ends in ``TimedOut``.

Only HTTP/1.1. Proxies: pass ``proxy=`` (an ``http://`` URL). ``trust_env=True`` makes
aiohttp honour the proxy environment variables and ``.netrc`` as httpx does by default, but
aiohttp re-reads them in a worker thread on *every* request (two thread hops per send), so
it is off by default.
"""

from __future__ import annotations

import functools
from urllib.parse import quote_plus

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest", "encode_form"]

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@functools.lru_cache(maxsize=2048)
def _quote_cached(value: str) -> str:
    return quote_plus(value)


def _quote(value: str) -> str:
    if value.isascii() and value.isalnum():  # letters and digits: nothing to quote
        return value
    return _quote_cached(value)


def encode_form(parameters: dict[str, str]) -> bytes:
    """``urlencode(parameters)``, byte for byte, with each value quoted once.

    The sender sends the same tip text, keyboard JSON and flags to thousands of chats, and
    ``quote_plus`` walks a non-ASCII value one byte at a time in Python: re-quoting them
    was about a tenth of the CPU per message. Quoted forms are kept (2,048, least recently
    used out: every tip and its keyboard in four languages fit, where 512 thrashed: a mixed-
    language audience re-quoted a keyboard for about every second message); plain letters
    and digits (a private chat's id) need none.
    """
    return "&".join([_quote(name) + "=" + _quote(value)
                     for name, value in parameters.items()]).encode("ascii")


class AiohttpRequest(BaseRequest):
    """``BaseRequest`` over one ``aiohttp.ClientSession`` with a bounded connection pool."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_trust_env",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
        trust_env: bool = False,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout`."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (needs a running event loop); again after a shutdown."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                trust_env=self._trust_env,
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        """Close the session and its pooled connections; safe to call twice."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _timeout(
        self,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
        has_files: bool,
    ) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (self._connect_timeout if isinstance(connect_timeout, DefaultValue)
                   else connect_timeout)
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if has_files else self._write_timeout
        else:
            write = write_timeout
        parts = (read, write, connect, pool)
        total = None if any(p is None for p in parts) else sum(p for p in parts if p)
        acquire = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect,
                                     sock_read=read)

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
        """See :meth:`BaseRequest.do_request`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout,
                                has_files)
        body: bytes | aiohttp.FormData | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if has_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                body = form
            else:
                parameters = request_data.json_parameters
                if parameters:
                    body = encode_form(parameters)
                    headers = _FORM

        try:
            async with session.request(method, url, data=body, headers=headers,
                                       timeout=timeout, proxy=self._proxy) as response:
                payload = await response.read()
                return response.status, payload
        except TimeoutError as err:  # aiohttp's timeouts all derive from it
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Timed out waiting for a pooled connection or connecting: the request was "
                    "not sent. Consider a larger connection pool or pool timeout."
                ) from err
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
