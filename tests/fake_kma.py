"""Fake KMA (data.go.kr WthrWrnInfoService/getPwnCd) and MOIS (safetydata.go.kr disaster messages) servers on
127.0.0.1, answering in their wire formats (../shared/reference/kma-warnings.md), with faults on demand: an HTML
error page, a truncated answer, an error code, an HTTP 500, an unknown zone or hazard."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def pwn_item(zone: str, var: int, stress: int = 0, command: int = 1, tm_fc: str = "202607151000", seq: int = 1,
             start: str | None = None, end: str | None = "", cancel: int = 0) -> dict[str, Any]:
    """One getPwnCd item as the service writes it."""
    return {"stnId": "156", "tmFc": int(tm_fc), "tmSeq": seq, "areaCode": zone, "areaName": "", "warnVar": var,
            "warnStress": stress, "command": command, "cancel": cancel, "startTime": int(start or tm_fc),
            "endTime": int(end) if end else 0, "allEndTime": 0}


def pwn_answer(items: list[dict]) -> dict:
    if not items:
        return {"response": {"header": {"resultCode": "03", "resultMsg": "NO_DATA"}}}
    return {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                         "body": {"dataType": "JSON", "items": {"item": items}, "pageNo": 1, "numOfRows": 1000,
                                  "totalCount": len(items)}}}


class FakeKMA:
    def __init__(self) -> None:
        self.items: list[dict] = []
        self.disasters: list[dict] = []
        self.next_bodies: list[tuple[int, str, str]] = []  # (status, content type, body) for the next calls
        self.calls: list[dict] = []
        self.server: uvicorn.Server | None = None
        self.port = 0
        self.app = Starlette(routes=[Route("/kma/getPwnCd", self.pwn), Route("/mois", self.mois)])

    @property
    def kma_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/kma"

    @property
    def mois_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mois"

    def fail_next(self, body: str, *, status: int = 200, content_type: str = "text/html") -> None:
        self.next_bodies.append((status, content_type, body))

    async def pwn(self, request: Request) -> Response:
        self.calls.append(dict(request.query_params))
        if self.next_bodies:
            status, ctype, body = self.next_bodies.pop(0)
            return Response(body, status_code=status, media_type=ctype)
        rows, page = int(request.query_params.get("numOfRows", 10)), int(request.query_params.get("pageNo", 1))
        answer = pwn_answer(self.items[(page - 1) * rows: page * rows])  # as the service pages a long answer
        if "body" in answer["response"]:
            answer["response"]["body"].update(totalCount=len(self.items), pageNo=page, numOfRows=rows)
        return JSONResponse(answer)

    async def mois(self, request: Request) -> Response:
        self.calls.append(dict(request.query_params))
        if self.next_bodies:
            status, ctype, body = self.next_bodies.pop(0)
            return Response(body, status_code=status, media_type=ctype)
        return Response(json.dumps({"header": {"resultCode": "00"}, "numOfRows": 100, "pageNo": 1,
                                    "totalCount": len(self.disasters), "body": self.disasters},
                                   ensure_ascii=False), media_type="application/json")

    async def start(self) -> None:
        from tests.fake_telegram import serve_on_loopback

        self.server, self._task, self.port = await serve_on_loopback(self.app)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            await self._task


def main() -> None:
    """Serve one KMA announcement (scripts/bench_alerts.py): a warning for the given zones, on a given port."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--zones", required=True, help="comma-separated zone codes")
    parser.add_argument("--var", type=int, default=12, help="warnVar (12: heat wave)")
    parser.add_argument("--stress", type=int, default=1, help="warnStress (1: warning)")
    parser.add_argument("--tm-fc", default="202607151000")
    args = parser.parse_args()

    async def serve() -> None:
        fake = FakeKMA()
        fake.items = [pwn_item(zone, args.var, args.stress, tm_fc=args.tm_fc) for zone in args.zones.split(",")]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", args.port))
        fake.server = uvicorn.Server(uvicorn.Config(fake.app, log_level="warning", lifespan="off", access_log=False))
        await fake.server.serve(sockets=[sock])

    asyncio.run(serve())


if __name__ == "__main__":
    main()
