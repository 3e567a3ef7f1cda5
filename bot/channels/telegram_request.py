"""A python-telegram-bot request class on aiohttp, posting JSON bodies.

PTB talks to the Bot API through a replaceable request class (telegram.request.BaseRequest). Its default,
HTTPXRequest, spent more CPU per reply than our whole conversation turn: httpx form-encodes every body one byte
at a time through urllib.parse.quote, and httpx/httpcore/anyio/h11 add several layers per request
(scripts/bench.py). aiohttp parses HTTP in C and the Bot API accepts application/json, which json.dumps writes
in C. Requests that upload files keep PTB's multipart encoding.
"""

from __future__ import annotations

import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

USER_AGENT = "jeonnam-support-bot (python-telegram-bot; aiohttp)"


class NotSent(NetworkError):
    """The request never left: no connection could be made. Sending it again cannot deliver it twice."""


class AiohttpRequest(BaseRequest):
    def __init__(self, *, connection_pool_size: int = 8, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 30.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._write_timeout = write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        total = None if read is None else read + (write or 0) + (connect or 0) + (pool or 0)
        timeout = aiohttp.ClientTimeout(total=total, connect=pool, sock_connect=connect, sock_read=read)
        kwargs: dict = {}
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.multipart_data.items():
                filename, content, mimetype = value
                form.add_field(name, content, filename=filename, content_type=mimetype)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            kwargs["data"] = form
        elif request_data is not None:
            kwargs["data"] = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            kwargs["headers"] = {"Content-Type": "application/json"}
        # Error messages name the kind of failure only: aiohttp's own text carries the URL, and the URL the token.
        try:
            async with self._session.request(method, url, timeout=timeout, **kwargs) as response:
                return response.status, await response.read()
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as err:
            raise NotSent(f"aiohttp.{err.__class__.__name__}") from None
        except TimeoutError:
            raise TimedOut("timed out waiting for the Bot API") from None
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}") from None
        except ValueError as err:  # an address aiohttp/yarl cannot use
            raise NotSent(f"invalid Bot API address ({err.__class__.__name__})") from None
