"""python-telegram-bot's HTTP requests on aiohttp instead of httpx.

Each Bot API call through httpx (httpcore, anyio, h11 in pure Python) cost about as much CPU as
everything else the bot does for an update; aiohttp, which the bot already uses for its health
listener and the simulator, parses HTTP in C. This is python-telegram-bot's documented way to
swap the client (a ``BaseRequest``), and it behaves like ``HTTPXRequest``: the same timeouts
per call, a timeout raised as ``TimedOut`` and any other network failure as ``NetworkError`` —
which is what the courier's retries and the fault tests rely on. A POST is never repeated by
aiohttp itself. Files go as multipart, like ``HTTPXRequest``'s; every other call's parameters
as a JSON body, which the Bot API takes as well as a form ("application/json (except for
uploading files)"): encoding a form (``urllib.parse.urlencode``, in Python) cost about eight
times as much CPU as ``json.dumps`` for a card with its buttons (bench/README.md, issue 19).
Bodies are written and answers read with orjson (``parse_json_payload`` is the documented
place to swap the JSON library); an answer orjson cannot read goes to python-telegram-bot's
own reading, which replaces bytes that are not UTF-8 and says "Invalid server response".
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one ``aiohttp.ClientSession`` with up to ``connection_pool_size``
    connections; timeouts in seconds (None: wait as long as it takes)."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_read_timeout",
        "_session",
        "_timeouts",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            # Telegram's answers are JSON we parse ourselves; no cookies, no proxies from the
            # environment (as HTTPXRequest by default).
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        body: Any = None
        headers: dict[str, str] | None = None
        if files:
            body = _multipart(request_data, files)  # type: ignore[arg-type]
        elif request_data is not None:
            # The parameters as python-telegram-bot made them JSON-ready (objects as dicts,
            # moments as timestamps).
            body = orjson.dumps(request_data.parameters)
            headers = _JSON
        default_write = self._media_write_timeout if files else self._write_timeout
        timeout = self._timeout(
            _given(connect_timeout, self._connect_timeout),
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, default_write),
            _given(pool_timeout, None),
        )
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # also aiohttp's ServerTimeoutError
            raise TimedOut from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            parsed: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:  # not UTF-8, or not JSON: python-telegram-bot's reading
            return BaseRequest.parse_json_payload(payload)
        return parsed

    def _timeout(
        self,
        connect: float | None,
        read: float | None,
        write: float | None,
        pool: float | None,
    ) -> aiohttp.ClientTimeout:
        """aiohttp has no write timeout of its own: sending and reading the answer together
        get at most write + read, and the answer alone at most ``read`` of silence."""
        key = (connect, read, write, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            whole = None if read is None or write is None else read + write
            connecting = None if connect is None else connect + (pool or 0.0)
            timeout = aiohttp.ClientTimeout(
                total=None if whole is None or connecting is None else whole + connecting,
                connect=connecting,
                sock_read=read,
            )
            self._timeouts[key] = timeout
        return timeout


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _multipart(request_data: RequestData, files: dict[str, Any]) -> aiohttp.FormData:
    """The fields and the files, as HTTPXRequest sends them (multipart/form-data)."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
