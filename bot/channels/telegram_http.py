"""The bot's HTTP client for Bot API calls: aiohttp under PTB's `BaseRequest`.

Why not PTB's default (httpx): the client side of one Bot API call cost about as much as a whole
update of a bare echo bot. In the profile (README "Benchmarks"), most of it is httpcore's pool
bookkeeping: before each request it asks every pooled connection whether it has expired, and
each such question costs a `getpeername` system call through anyio. aiohttp (a well-kept library
already in the lock file) sends the same form-encoded request for about half the work. PTB
documents custom request classes for exactly this: https://docs.python-telegram-bot.org/en/stable/telegram.request.baserequest.html

Only the sending path uses it; `getUpdates` (one long poll at a time) keeps PTB's own client.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: PTB's own defaults (`HTTPXRequest`), in seconds, so nothing but the client changes.
CONNECTION_POOL_SIZE = 256
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """Bot API calls over one `aiohttp.ClientSession` (a pool of keep-alive connections).

    Timeouts in seconds as PTB's: `read` is the wait for the answer, `connect` for a new
    connection, `pool` for a free one. aiohttp has no write timeout of its own: the write of a
    request body counts against the read timeout, which for uploads is raised to the media
    write timeout. Raises PTB's `TimedOut` and `NetworkError`, as PTB's own client does.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int = CONNECTION_POOL_SIZE,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
            "media_write": media_write_timeout,
        }
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, value: ODVInput[float], name: str) -> float | None:
        return self._timeouts[name] if isinstance(value, DefaultValue) else value

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
        """One HTTP request: (status code, body). Parameters go form-encoded, as PTB's httpx
        client sends them; with files, as multipart/form-data."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        body: aiohttp.FormData | dict[str, str] | None = None
        files = request_data.multipart_data if request_data else {}
        read = self._timeout(read_timeout, "read")
        if request_data is not None and files:
            # Raw UTF-8 file names (RFC 7578 § 4.2), as PTB's httpx client sends them: aiohttp's
            # default percent-quotes them, and Telegram shows »vedt%C3%A6gter.pdf« to the user.
            body = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, (file_name, content, mime_type) in files.items():
                body.add_field(name, content, filename=file_name, content_type=mime_type)
            write = self._timeout(write_timeout, "media_write")
            read = None if read is None or write is None else read + write
        elif request_data is not None:
            body = request_data.json_parameters
        connect = self._timeout(connect_timeout, "connect")
        pool = self._timeout(pool_timeout, "pool")
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's `connect` covers waiting for a pooled connection and opening a new one.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
