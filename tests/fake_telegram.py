"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real wire format.

Point python-telegram-bot (or aiogram) at it with base_url http://127.0.0.1:PORT/bot. It hands out queued
updates through getUpdates (long polling), answers sendMessage / editMessageText / answerCallbackQuery /
setMyCommands / …, records every request, keeps what each chat shows, and injects faults on demand: any error
status (401 revoked token, 429 with retry_after, 500, 403 blocked), a body that is not JSON, a result of the wrong
shape, a slow success, a dropped connection, and updates the client library cannot parse.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "entities", "link_preview_options",
               "reply_parameters", "scope", "caption_entities"}
BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Jeonnam Support", "username": "jeonnam_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Sent:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class ChatMessage:
    message_id: int
    text: str
    reply_markup: dict | None
    edits: int = 0
    media: dict | None = None  # what a sendPhoto/sendDocument/sendVoice/sendLocation carried

    @property
    def buttons(self) -> list[dict]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def data_for(self, label: str) -> str:
        for button in self.buttons:
            if button["text"] == label:
                return button["callback_data"]
        raise KeyError(f"no button {label!r} in {[b['text'] for b in self.buttons]}")


async def serve_on_loopback(app, port: int = 0) -> tuple[uvicorn.Server, asyncio.Task, int]:
    """Serve a Starlette app on 127.0.0.1 in this event loop (a fake server of the tests): server, task, port."""
    # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets of that protocol, and without it
    # every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                           timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    return server, task, sock.getsockname()[1]


class FakeBotAPI:
    def __init__(self) -> None:
        self.requests: list[Sent] = []
        self.updates: list[dict] = []
        self.next_update_id = 1
        self.next_message_id = 1000
        self.chats: dict[int, list[ChatMessage]] = defaultdict(list)
        self.commands: dict[str, list[dict]] = {}
        self.failures: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        self.faults: dict[str, list[tuple[str, Any]]] = defaultdict(list)  # method -> [(kind, value)]
        self.poll_count = 0
        self.delivered = 0  # messages and media received
        self.keep_requests = True  # every call but getUpdates, for the tests to look at (off for the benchmark)
        self.latency = 0.0  # seconds before answering every call but getUpdates (a slow link to Telegram)
        self.blocked: set[int] = set()
        # Telegram's flood limits, when set (limit()): sends overall per second (a token bucket holding a second's
        # worth) and the shortest gap between two messages to one chat; a send beyond them gets 429 retry_after.
        self.rate_limit: float | None = None
        self.chat_gap: float | None = None
        self._tokens = 0.0
        self._tokens_at = 0.0
        self._last_send: dict[int, float] = {}
        self.too_many = 0  # 429s answered because of those limits
        self.first_send_at: float | None = None
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self.server: uvicorn.Server | None = None
        self.port = 0
        self.first_batch_at: float | None = None
        self.last_reply_at: float | None = None
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self.endpoint, methods=["GET", "POST"]),
            Route("/_control/stats", self.stats, methods=["GET"]),
        ])

    # -- test controls -----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _user(self, user_id: int, language_code: str | None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": f"Resident{user_id}"}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _push(self, update: dict) -> None:
        update["update_id"] = self.next_update_id
        self.next_update_id += 1
        self.updates.append(update)
        self._new_update.set()

    def _message(self, user_id: int, language_code: str | None, **content: Any) -> dict:
        self.next_message_id += 1
        return {"message_id": self.next_message_id, "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": f"Resident{user_id}"},
                "from": self._user(user_id, language_code), **content}

    def send_text(self, user_id: int, text: str, *, language_code: str | None = "en",
                  reply_to: ChatMessage | None = None) -> None:
        """The resident writes `text` (commands get their bot_command entity, as Telegram sends them), perhaps as a
        reply to one of the bot's messages."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            content["reply_to_message"] = {"message_id": reply_to.message_id, "date": int(time.time()),
                                           "chat": {"id": user_id, "type": "private"}, "from": BOT_USER,
                                           "text": reply_to.text or "."}
        self._push({"message": self._message(user_id, language_code, **content)})

    def send_photo(self, user_id: int, *, caption: str | None = None, size: int = 120_000,
                   language_code: str | None = "en") -> str:
        """The user sends a photo (its file_id is returned, as the bot will see it)."""
        file_id = f"AgACAgUAAxkBAAI{self.next_message_id}photo"
        photo = [{"file_id": file_id + "s", "file_unique_id": "s" + file_id[-8:], "width": 90, "height": 90,
                  "file_size": 1200},
                 {"file_id": file_id, "file_unique_id": file_id[-10:], "width": 1280, "height": 960,
                  "file_size": size}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        self._push({"message": self._message(user_id, language_code, **content)})
        return file_id

    def send_document(self, user_id: int, *, size: int, name: str = "contract.pdf",
                      language_code: str | None = "en") -> str:
        file_id = f"BQACAgUAAxkBAAI{self.next_message_id}doc"
        document = {"file_id": file_id, "file_unique_id": file_id[-10:], "file_name": name,
                    "mime_type": "application/pdf", "file_size": size}
        self._push({"message": self._message(user_id, language_code, document=document)})
        return file_id

    def send_sticker(self, user_id: int, *, language_code: str | None = "en") -> None:
        sticker = {"file_id": "CAACAgIAAxkBAAIB", "file_unique_id": "AgADAgAD", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}
        self._push({"message": self._message(user_id, language_code, sticker=sticker)})

    def send_location(self, user_id: int, latitude: float, longitude: float, *, language_code: str | None = "en"):
        self._push({"message": self._message(user_id, language_code,
                                             location={"latitude": latitude, "longitude": longitude})})

    def press(self, user_id: int, message: ChatMessage | None, data: str, *,
              language_code: str | None = "en", chat_id: int | None = None) -> None:
        """The resident presses an inline button with callback `data` under the bot's `message` (in their own
        private chat unless `chat_id` says the message is in another chat)."""
        query: dict[str, Any] = {"id": str(self.next_update_id * 7919), "from": self._user(user_id, language_code),
                                 "chat_instance": f"ci{user_id}", "data": data}
        if message is not None:
            query["message"] = {"message_id": message.message_id, "date": int(time.time()),
                                "chat": {"id": chat_id or user_id, "type": "private"}, "from": BOT_USER,
                                "text": message.text, "reply_markup": message.reply_markup}
        self._push({"callback_query": query})

    def fail_next(self, method: str, status: int, description: str, parameters: dict | None = None,
                  after: int = 0) -> None:
        """The next call of `method` (or the one after `after` more that succeed) fails with this answer."""
        body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures[method].extend([None] * after + [(status, body)])

    def limit(self, rate: float | None, chat_gap: float | None = None) -> None:
        """Enforce Telegram's limits: `rate` sends a second overall, one message per chat every `chat_gap` s."""
        self.rate_limit, self.chat_gap = rate, chat_gap
        self._tokens, self._tokens_at = rate or 0.0, time.monotonic()

    def _over_limit(self, chat_id: Any) -> bool:
        now = time.monotonic()
        if self.chat_gap and chat_id in self._last_send and now - self._last_send[chat_id] < self.chat_gap:
            return True
        if self.rate_limit:
            self._tokens = min(self.rate_limit, self._tokens + (now - self._tokens_at) * self.rate_limit)
            self._tokens_at = now
            if self._tokens < 1:
                return True
            self._tokens -= 1
        self._last_send[chat_id] = now
        return False

    def revoke_token(self) -> None:
        """Every later call answers 401, as Telegram does for a revoked token."""
        self.faults["*"].append(("revoked", None))

    def garbage_next(self, method: str, body: bytes = b"<html>502 Bad Gateway</html>", status: int = 200) -> None:
        """The next call answers a body that is not JSON."""
        self.faults[method].append(("raw", (status, body)))

    def result_next(self, method: str, result: Any) -> None:
        """The next call answers {"ok": true, "result": result} whatever its shape."""
        self.faults[method].append(("result", result))

    def slow_next(self, method: str, seconds: float) -> None:
        """The next call is carried out at once but answered only after `seconds`."""
        self.faults[method].append(("slow", seconds))

    def drop_next(self, method: str) -> None:
        """The next call's connection is closed without an answer (the call is not carried out)."""
        self.faults[method].append(("drop", None))

    def send_poll(self, user_id: int, *, language_code: str | None = "en") -> None:
        """A poll as a Bot API server older than 9.6 sends it: options without persistent_id."""
        poll = {"id": "5012", "question": "Which day suits you?", "total_voter_count": 0, "is_closed": False,
                "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
                "options": [{"text": "Monday", "voter_count": 0}, {"text": "Tuesday", "voter_count": 0}]}
        self._push({"message": self._message(user_id, language_code, poll=poll)})

    def last(self, chat_id: int) -> ChatMessage:
        return self.chats[chat_id][-1]

    def calls(self, method: str) -> list[Sent]:
        return [request for request in self.requests if request.method == method]

    async def wait_for(self, predicate, timeout: float = 10.0) -> None:
        """Wait until predicate() is true (checked after every request the bot makes)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_requests(self, method: str, count: int, timeout: float = 10.0) -> list[Sent]:
        await self.wait_for(lambda: len(self.calls(method)) >= count, timeout)
        return self.calls(method)

    # -- the Bot API -------------------------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        body = await request.body()
        ctype = request.headers.get("content-type", "")
        if "application/json" in ctype:
            params = json.loads(body or b"{}")
        else:
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            params.update(dict(request.query_params))
            for key in JSON_FIELDS & params.keys():
                params[key] = json.loads(params[key])
        for key in ("chat_id", "message_id", "offset", "limit", "timeout", "user_id"):
            if key in params and isinstance(params[key], str) and params[key].lstrip("-").isdigit():
                params[key] = int(params[key])
        return params

    async def endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        if self.faults.get("*"):
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        params = await self._params(request)
        if method == "getUpdates":
            self.poll_count += 1
        elif self.keep_requests:
            self.requests.append(Sent(method, params))
            if self.latency:
                await asyncio.sleep(self.latency)
        fault = self.faults[method].pop(0) if self.faults.get(method) else None
        if fault is not None:
            kind, value = fault
            if kind == "raw":
                await self._notify()
                return Response(value[1], status_code=value[0], media_type="text/html")
            if kind == "result":
                await self._notify()
                return JSONResponse({"ok": True, "result": value})
            if kind == "drop":
                self.requests.pop()  # not carried out
                request.receive.__self__.transport.close()  # uvicorn's request cycle: close the socket, no answer
                await self._notify()
                return Response(b"", status_code=500)
        failure = self.failures[method].pop(0) if self.failures.get(method) else None
        if failure is not None:
            status, body = failure
            await self._notify()
            return JSONResponse(body, status_code=status)
        if params.get("chat_id") in self.blocked and method.startswith(("send", "editMessage")):
            await self._notify()
            return JSONResponse({"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"}, status_code=403)
        if (self.rate_limit or self.chat_gap) and method.startswith("send") and method != "sendChatAction" \
                and self._over_limit(params.get("chat_id")):
            self.too_many += 1
            return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                 "parameters": {"retry_after": 1}}, status_code=429)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        result = await handler(params)
        await self._notify()
        if fault is not None and fault[0] == "slow":
            await asyncio.sleep(fault[1])
        if isinstance(result, JSONResponse):
            return result
        return JSONResponse({"ok": True, "result": result})

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def api_getMe(self, params: dict) -> dict:
        return BOT_USER

    async def api_deleteWebhook(self, params: dict) -> bool:
        return True

    async def api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        if not self.updates and timeout > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                pass
        batch = self.updates[:limit]
        if batch and self.first_batch_at is None:
            self.first_batch_at = time.monotonic()
        return batch

    async def api_setMyCommands(self, params: dict) -> bool:
        self.commands[params.get("language_code", "")] = params["commands"]
        return True

    async def api_getMyCommands(self, params: dict) -> list[dict]:
        return self.commands.get(params.get("language_code", ""), [])

    async def api_answerCallbackQuery(self, params: dict) -> bool:
        return True

    async def api_sendChatAction(self, params: dict) -> bool:
        return True

    async def api_sendMessage(self, params: dict) -> dict:
        chat_id = params["chat_id"]
        text = params.get("text", "")
        if not 1 <= len(text) <= 4096:
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: message is too long"
                                 if text else "Bad Request: message text is empty"}, status_code=400)
        self.next_message_id += 1
        message = ChatMessage(self.next_message_id, text, params.get("reply_markup"))
        self.chats[chat_id].append(message)
        self.delivered += 1
        self.last_reply_at = time.monotonic()
        if self.first_send_at is None:
            self.first_send_at = self.last_reply_at
        return self._message_json(chat_id, message)

    async def _media_message(self, params: dict, kind: str) -> dict:
        chat_id = params["chat_id"]
        self.next_message_id += 1
        media = {"type": kind, "file_id": params.get(kind)} if kind != "location" else \
            {"type": "location", "latitude": params["latitude"], "longitude": params["longitude"]}
        message = ChatMessage(self.next_message_id, params.get("caption") or "", params.get("reply_markup"),
                              media=media)
        self.chats[chat_id].append(message)
        self.delivered += 1
        self.last_reply_at = time.monotonic()
        return self._message_json(chat_id, message)

    async def api_sendPhoto(self, params: dict) -> dict:
        return await self._media_message(params, "photo")

    async def api_sendDocument(self, params: dict) -> dict:
        return await self._media_message(params, "document")

    async def api_sendVoice(self, params: dict) -> dict:
        return await self._media_message(params, "voice")

    async def api_sendLocation(self, params: dict) -> dict:
        return await self._media_message(params, "location")

    async def api_editMessageText(self, params: dict) -> dict | JSONResponse:
        chat_id, message_id = params["chat_id"], params["message_id"]
        for message in self.chats[chat_id]:
            if message.message_id == message_id:
                markup = params.get("reply_markup")
                if message.text == params["text"] and message.reply_markup == markup:
                    return JSONResponse({"ok": False, "error_code": 400, "description":
                                         "Bad Request: message is not modified: specified new message content "
                                         "and reply markup are exactly the same"}, status_code=400)
                message.text, message.reply_markup = params["text"], markup
                message.edits += 1
                # an edited message moves to the end of what the resident currently looks at
                self.chats[chat_id].remove(message)
                self.chats[chat_id].append(message)
                return self._message_json(chat_id, message)
        return JSONResponse({"ok": False, "error_code": 400,
                             "description": "Bad Request: message to edit not found"}, status_code=400)

    def _message_json(self, chat_id: int, message: ChatMessage) -> dict:
        result = {"message_id": message.message_id, "date": int(time.time()), "from": BOT_USER,
                  "chat": {"id": chat_id, "type": "private"}, "text": message.text}
        if message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result

    async def stats(self, request: Request) -> JSONResponse:
        """For the benchmark: how many replies each chat got, and the time from first update to last reply."""
        if request.query_params.get("brief"):  # counts only, cheap (the benchmark asks often, with 100,000 chats)
            return JSONResponse({"replies": self.delivered, "chats": len(self.chats), "too_many": self.too_many,
                                 "sending": (self.last_reply_at - self.first_send_at) if self.first_send_at else None})
        per_chat = {str(chat): len(messages) for chat, messages in self.chats.items()}
        elapsed = (self.last_reply_at - self.first_batch_at) if self.first_batch_at and self.last_reply_at else None
        answer = {"replies": sum(per_chat.values()), "per_chat": per_chat, "elapsed": elapsed,
                  "requests": len(self.requests), "too_many": self.too_many,
                  "sending": (self.last_reply_at - self.first_send_at) if self.first_send_at else None}
        return JSONResponse(answer)

    # -- running -----------------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        self.server, self._task, self.port = await serve_on_loopback(self.app, port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self._new_update.set()
            await self._task


#: The real path (scripts/bench.py --scenario real): onboarded residents typing questions and pressing menu and
#: card buttons, in their languages.
REAL_QUESTIONS = {
    "th": ["ค่าจ้างขั้นต่ำเท่าไหร่", "นายจ้างไม่จ่ายค่าจ้าง", "ประกันสุขภาพสำหรับคนต่างชาติ"],
    "vi": ["lương tối thiểu bao nhiêu", "công ty không trả lương", "bảo hiểm y tế cho người nước ngoài"],
    "km": ["ប្រាក់ឈ្នួលអប្បបរមាប៉ុន្មាន", "ថៅកែមិនបើកប្រាក់ឈ្នួល", "ធានារ៉ាប់រងសុខភាព"],
    "ko": ["최저임금 얼마예요", "월급을 못 받았어요", "체류기간 연장"],
    "en": ["what is the minimum wage", "my boss did not pay my salary", "I got hurt at work"],
}
REAL_PRESSES = ["menu.main|menu:labor", "menu:labor|card:labor_minimum_wage", "menu.main|menu:medical",
                "menu:medical|card:medical_insurance", "menu.main|menu:immigration",
                "menu:immigration|card:immigration_extension"]


def real_path(number: int, user: int) -> tuple[str, str]:
    """The number-th thing user does on the real path: ("text", question) or ("press", button token)."""
    language = list(REAL_QUESTIONS)[user % len(REAL_QUESTIONS)]
    if number % 3 == 0:
        questions = REAL_QUESTIONS[language]
        return "text", questions[(number // 3) % len(questions)]
    return "press", REAL_PRESSES[(number - 1 - number // 3) % len(REAL_PRESSES)]


def main() -> None:
    """Serve a fake Bot API with queued updates from many users (used by scripts/bench.py)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--scenario", choices=["start", "real", "sink"], default="start",
                        help="sink: no updates, only receive what the bot sends (the alerts benchmark)")
    parser.add_argument("--rate-limit", type=float, default=None, help="enforce this many sends a second (429)")
    parser.add_argument("--chat-gap", type=float, default=None, help="and this many seconds between two to a chat")
    args = parser.parse_args()
    languages = ["th", "vi", "km", "ne", "si", "zh-hans", "id", "tl", "uz", "ko", "en", None]

    async def serve() -> None:
        fake = FakeBotAPI()
        fake.limit(args.rate_limit, args.chat_gap)
        if args.scenario == "sink":  # 100,000 messages: keep only what the benchmark counts, collect rarely
            args.messages = 0
            fake.keep_requests = False
            gc.set_threshold(50_000, 50, 1000)
        for number in range(args.messages):  # interleaved: every user writes at once
            for user in range(args.users):
                if args.scenario == "real":
                    kind, value = real_path(number, user)
                    code = list(REAL_QUESTIONS)[user % len(REAL_QUESTIONS)]
                    if kind == "text":
                        fake.send_text(100000 + user, value, language_code=code)
                    else:
                        fake.press(100000 + user, None, value, language_code=code)
                    continue
                text = "/start" if number == 0 else f"message {number} from {user}"
                fake.send_text(100000 + user, text, language_code=languages[user % len(languages)])
        await fake.start(args.port)
        await fake._task

    asyncio.run(serve())


if __name__ == "__main__":
    main()
