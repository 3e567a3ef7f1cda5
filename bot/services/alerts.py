"""Weather warnings and disaster text messages for subscribers, in their language, each one once.

- The KMA feed: data.go.kr's "기상청_기상특보 조회서비스", operation getPwnCd — warnings per zone as structured
  fields (zone code, hazard number, level, command, times). Chosen over the API Hub's current-warnings text, which is
  EUC-KR text with Korean words in its columns: structured fields need no guessing. The parser is one function
  (`parse_pwn`), so another source can be added beside it.
- The disaster text messages of the Ministry of the Interior and Safety (긴급재난문자, safetydata.go.kr): optional.
  Their text is Korean only; the bot translates the kind and level, and attaches the Korean original, marked.

Every answer is kept as it came (feed_payload), malformed ones included. A warning is recorded under a fingerprint
(zone, hazard, level, command, issue time and sequence): the same warning seen in the next poll is never sent again,
a change, an extension or a lift is. Its subscribers are queued in the outbox by one INSERT … SELECT; the message
itself is written in each subscriber's language when it is sent (`expand`). Only the worker holding the feed's
lease polls (several workers on PostgreSQL poll once, not once each).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from babel.dates import format_date

from bot.content.models import Content, Hazard
from bot.i18n import LOCALES, korean_time, translator
from bot.services.names import with_korean
from bot.settings import Settings
from bot.storage import alerts as store
from bot.storage import tickets
from bot.storage.db import Database
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

KST = ZoneInfo("Asia/Seoul")
LEVELS = {0: "advisory", 1: "warning", 2: "major"}
#: 8 (변경해제) lifts the old level of a warning whose level changed: the 7 (변경발표) row of the same bulletin says
#: what holds now, so an 8 row is only sent (as "lifted") when no such row came with it.
COMMANDS = {1: "issued", 2: "lifted", 3: "extended", 6: "corrected", 7: "changed", 8: "replaced"}
#: Warning zones of Jeonnam (land L105…, seas S123…/S132…); zones elsewhere in Korea are not ours and are skipped.
OUR_ZONE_PREFIXES = ("L105", "S123", "S132")
#: Advisories of subscribers who asked may wait during these hours (Korean time); warnings never wait.
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(7, 0)
ALERT_PRIORITY = {"major": 20, "warning": 25, "advisory": 40}
RETRY_WAITS = (5.0, 15.0, 45.0)
#: Warnings asked for per page, and at most this many pages read in one poll.
PAGE_ROWS = 1000
MAX_PAGES = 10

#: MOIS disaster kinds (DST_SE_NM) the bot names in the resident's language; anything else is "other".
DISASTER_KINDS = ("호우", "태풍", "폭염", "한파", "대설", "강풍", "풍랑", "지진", "지진해일", "산불", "화재", "황사",
                  "미세먼지", "감염병", "실종", "교통", "정전", "홍수", "산사태", "가뭄")
DISASTER_LEVELS = {"위급재난": "emergency", "긴급재난": "urgent", "안전안내": "safety"}


class FeedError(Exception):
    """The feed answered something that is not what the API describes (HTML, truncated JSON, an error code)."""


@dataclass(frozen=True)
class ParsedWarning:
    zone: str
    hazard: str
    level: str
    command: str
    issued_at: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    fingerprint: str
    raw: dict = field(default_factory=dict)


def kst_time(value: Any) -> datetime | None:
    """YYYYMMDDHHmm (Korean time), as the KMA writes times, to an aware UTC datetime; None when empty."""
    if value in (None, "", 0, "0"):
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) not in (12, 14):
        raise ValueError(f"not a KMA time: {text[:20]!r}")
    return datetime.strptime(text[:12], "%Y%m%d%H%M").replace(tzinfo=KST).astimezone(ZoneInfo("UTC"))


def _items(data: Any) -> list[dict]:
    """The items of a data.go.kr answer, or FeedError; [] for "no data" (resultCode 03)."""
    if not isinstance(data, dict) or not isinstance(data.get("response"), dict):
        raise FeedError("not a data.go.kr answer")
    header = data["response"].get("header") or {}
    if not isinstance(header, dict):
        raise FeedError("no header in the answer")
    code = str(header.get("resultCode", ""))
    if code == "03":
        return []
    if code != "00":
        raise FeedError(f"result code {code or '?'}: {str(header.get('resultMsg', ''))[:80]}")
    body = data["response"].get("body") or {}
    if not isinstance(body, dict):
        raise FeedError("no body in the answer")
    items = body.get("items") or {}
    if items in ("", None):
        return []
    item = items.get("item") if isinstance(items, dict) else None
    if isinstance(item, dict):
        return [item]
    if not isinstance(item, list):
        raise FeedError("no items in the answer")
    return item


def total_count(body: str) -> int:
    """The totalCount a data.go.kr answer announces (0 when it says none or cannot be read)."""
    try:
        count = json.loads(body)["response"]["body"]["totalCount"]
        return int(count)
    except (ValueError, KeyError, TypeError):
        return 0


def parse_pwn(body: str, content: Content) -> tuple[list[ParsedWarning], list[str]]:
    """Warnings for our zones from a getPwnCd answer, and the problems of items that were skipped (unknown hazard
    or zone, impossible times). Raises FeedError when the answer as a whole cannot be read."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise FeedError(f"not JSON ({type(exc).__name__})") from None
    warnings: list[ParsedWarning] = []
    problems: list[str] = []
    for item in _items(data):
        if not isinstance(item, dict):
            problems.append("an item is not an object")
            continue
        zone = str(item.get("areaCode") or "")
        if not zone.startswith(OUR_ZONE_PREFIXES):
            continue  # elsewhere in Korea
        where = f"{zone} #{item.get('tmSeq', '?')}"
        if zone not in content.zones:
            problems.append(f"{where}: unknown zone")
            continue
        if str(item.get("cancel", "0")) == "1":
            continue  # a void row
        try:
            hazard = content.hazard_by_kma(number=int(item["warnVar"]))
            level = LEVELS[int(item["warnStress"])]
            command = COMMANDS[int(item["command"])]
            issued = kst_time(item["tmFc"])
            starts, ends = kst_time(item.get("startTime")), kst_time(item.get("endTime"))
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(f"{where}: unreadable {type(exc).__name__} {str(exc)[:60]}")
            continue
        if hazard is None:
            problems.append(f"{where}: unknown hazard {item.get('warnVar')!r}")
            continue
        if issued is None:
            problems.append(f"{where}: no issue time")
            continue
        if starts and ends and ends < starts:
            problems.append(f"{where}: ends before it starts")
            continue
        fingerprint = f"kma:{zone}:{hazard.id}:{level}:{command}:{item.get('tmFc')}:{item.get('tmSeq', '')}"
        warnings.append(ParsedWarning(zone, hazard.id, level, command, issued, starts, ends, fingerprint, item))
    changed = {(w.zone, w.hazard, w.issued_at) for w in warnings if w.command == "changed"}
    warnings = [w if w.command != "replaced" else replace(w, command="lifted") for w in warnings
                if w.command != "replaced" or (w.zone, w.hazard, w.issued_at) not in changed]

    def sequence(warning: ParsedWarning) -> tuple:
        number = str(warning.raw.get("tmSeq", ""))
        return warning.issued_at, int(number) if number.isdigit() else 0

    return sorted(warnings, key=sequence), problems  # in the order KMA issued them: a lift after its warning


def parse_disasters(body: str, content: Content) -> tuple[list[dict], list[str]]:
    """Disaster text messages for Jeonnam from a safetydata.go.kr answer: (messages, problems)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise FeedError(f"not JSON ({type(exc).__name__})") from None
    rows = data.get("body") if isinstance(data, dict) else None
    if rows is None and isinstance(data, dict) and isinstance(data.get("header"), dict):
        code = str(data["header"].get("resultCode", ""))
        if code not in ("00", "0"):
            raise FeedError(f"result code {code}")
        rows = []
    if not isinstance(rows, list):
        raise FeedError("no message list in the answer")
    messages, problems = [], []
    for row in rows:
        if not isinstance(row, dict) or not row.get("SN") or not row.get("MSG_CN"):
            problems.append("a message without number or text")
            continue
        regions_text = str(row.get("RCPTN_RGN_NM") or "")
        if "전라남도" not in regions_text and "전남" not in regions_text:
            continue
        try:
            sent_at = datetime.strptime(str(row.get("CRT_DT")), "%Y/%m/%d %H:%M:%S").replace(tzinfo=KST)
        except ValueError:
            problems.append(f"message {row.get('SN')}: unreadable time")
            continue
        zones = None if ("전체" in regions_text or regions_text.strip() in ("전라남도", "전남")) else sorted(
            {region.kma_zone for region in content.regions if region.ko in regions_text
             or region.ko.removesuffix("시").removesuffix("군") + " " in regions_text})
        kind = str(row.get("DST_SE_NM") or "")
        messages.append({"sn": str(row["SN"]), "text": str(row["MSG_CN"])[:1000], "regions": regions_text[:300],
                         "kind": kind if kind in DISASTER_KINDS else "other",
                         "level": DISASTER_LEVELS.get(str(row.get("EMRG_STEP_NM") or ""), "safety"),
                         "sent_at": sent_at.astimezone(ZoneInfo("UTC")), "zones": zones})
    return messages, problems


# -- the messages ----------------------------------------------------------------------------------------------------


KOREAN_LEVELS = {"advisory": "주의보", "warning": "경보", "major": "중대경보"}


def warning_name(_, hazard: Hazard, level: str) -> str:
    name = _(hazard.name)
    if level == "major":
        return _("{hazard} major warning").format(hazard=name)
    if level == "warning":
        return _("{hazard} warning").format(hazard=name)
    return _("{hazard} advisory").format(hazard=name)


def disaster_kind_name(_, kind: str) -> str:
    names = {"호우": _("Heavy rain"), "태풍": _("Typhoon"), "폭염": _("Heat wave"), "한파": _("Cold wave"),
             "대설": _("Heavy snow"), "강풍": _("Strong wind"), "풍랑": _("High seas"), "지진": _("Earthquake"),
             "지진해일": _("Tsunami"), "산불": _("Forest fire"), "화재": _("Fire"), "황사": _("Yellow dust"),
             "미세먼지": _("Fine dust"), "감염병": _("Infectious disease"), "실종": _("Missing person"),
             "교통": _("Traffic"), "정전": _("Power cut"), "홍수": _("Flood"), "산사태": _("Landslide"),
             "가뭄": _("Drought")}
    return names.get(kind, _("Other"))


def disaster_level_name(_, level: str) -> str:
    return {"emergency": _("emergency alert"), "urgent": _("urgent alert")}.get(level, _("safety notice"))


def alert_text(content: Content, row, locale: str) -> dict:
    """The message of a warning (or a disaster text message) in one language: what, where, since when, what to do,
    and 119; with a button to the safety card when there is one."""
    _ = translator(locale)
    details = row.details or {}
    if row.source == "mois":
        kind = details.get("kind", "other")
        lines = [_("📢 Disaster text message: {kind} ({level})").format(
            kind=disaster_kind_name(_, kind), level=disaster_level_name(_, row.level)),
            _("Sent to: {areas}").format(areas=details.get("regions", "")),
            _("Sent {time} (Korean time)").format(time=korean_time(locale, row.issued_at)), "",
            _("Original message in Korean:"), details.get("text", ""), "", _("In danger, call 119.")]
        return {"text": "\n".join(lines), "rows": []}
    hazard = content.hazards.get(row.hazard)
    zone = content.zones.get(row.zone)
    if hazard is None or zone is None:  # published content changed since: say what we know
        return {"text": _("⚠️ A weather warning was issued for your area. Check the news, and in danger call 119."),
                "rows": []}
    area = with_korean(locale, _(zone.name), zone.ko)
    name = warning_name(_, hazard, row.level)
    if locale != "ko":  # as Korean television, texts and signs name it: 호우경보
        name += f" ({hazard.ko}{KOREAN_LEVELS.get(row.level, '')})"
    headline = {
        "issued": _("{warning} for {area}"), "lifted": _("Lifted: {warning} for {area}"),
        "extended": _("Extended: {warning} for {area}"), "changed": _("Changed: {warning} for {area}"),
        "corrected": _("Corrected: {warning} for {area}"),
    }[row.command].format(warning=name, area=area)
    lines = [f"{hazard.emoji if row.command != 'lifted' else '✅'} {headline}"]
    if row.command == "lifted":
        lines.append(_("Lifted at {time} (Korean time).").format(time=korean_time(locale, row.issued_at)))
    else:
        lines.append(_("Since {time} (Korean time).").format(time=korean_time(locale, row.starts_at or row.issued_at)))
        if row.ends_at:
            lines.append(_("Expected to last until {time}.").format(time=korean_time(locale, row.ends_at)))
        lines.append("")
        lines += [f"• {_(action)}" for action in hazard.actions]
    lines += ["", _("In danger, call 119.")]
    rows = [[[_("ℹ️ What to do"), f"alert:{hazard.id}|card:{hazard.card}"]]] if hazard.card in content.cards else []
    return {"text": "\n".join(lines), "rows": rows}


#: What an announcement may leave to the bot to fill in, per resident.
BROADCAST_PLACEHOLDERS = frozenset({"area"})
#: Telegram's 4096 characters, less the heading the bot puts first.
MAX_BROADCAST = 4000


def broadcast_body(texts: dict[str, str], locale: str) -> str:
    """The resident's language, or English and Korean when the announcement was not written in theirs."""
    if locale in texts:
        return texts[locale]
    return "\n\n".join(texts[lang] for lang in ("en", "ko") if lang in texts) or next(iter(texts.values()), "")


def broadcast_text(row, locale: str, area: str) -> dict:
    _ = translator(locale)
    try:
        body = broadcast_body(row.texts or {}, locale).format_map({"area": area})
    except (KeyError, ValueError, IndexError):  # checked before queueing; never lose the announcement over it
        body = broadcast_body(row.texts or {}, locale)
    return {"text": _("📢 From the call center:") + "\n\n" + body, "rows": []}


def broadcast_problems(texts: dict[str, str]) -> list[str]:
    """What is wrong with an announcement's texts, before anything is queued: too long, placeholders that differ
    between languages or that the bot cannot fill."""
    import string

    problems = []
    fields = {}
    for locale, text in texts.items():
        if not text.strip():
            problems.append(f"{locale}: the text is empty")
        if len(text) > MAX_BROADCAST:
            problems.append(f"{locale}: {len(text)} characters; at most {MAX_BROADCAST} fit one Telegram message")
        try:
            parsed = list(string.Formatter().parse(text))
            fields[locale] = {name for _lit, name, _spec, _conv in parsed if name is not None}
            if any(name is not None and (spec or conv) for _lit, name, spec, conv in parsed):
                problems.append(f"{locale}: write a placeholder as {{area}}, without a format")
        except ValueError:
            problems.append(f"{locale}: a brace that is not a placeholder (write {{{{ for a brace)")
            continue
        unknown = fields[locale] - BROADCAST_PLACEHOLDERS
        if unknown:
            problems.append(f"{locale}: unknown placeholder(s) {sorted(unknown)}; the bot can fill only "
                            f"{sorted(BROADCAST_PLACEHOLDERS)}")
    if set(LOCALES) - set(texts) and texts:  # residents of the other languages get English and Korean together
        fallback = broadcast_body(texts, "-")
        if len(fallback) > MAX_BROADCAST:
            problems.append(f"the English and Korean texts sent together to the other languages make {len(fallback)} "
                            f"characters; at most {MAX_BROADCAST} fit one Telegram message")
    if len({frozenset(f) for f in fields.values()}) > 1:
        problems.append("the placeholders differ between languages: " +
                        "; ".join(f"{loc} {sorted(f)}" for loc, f in fields.items()))
    return problems


def quiet_hours_end(now: datetime) -> datetime | None:
    """When advisories held at night may go (07:00 Korean time), or None when it is not night."""
    local = now.astimezone(KST)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    morning = local.date() + (timedelta(days=1) if local.time() >= QUIET_FROM else timedelta())
    return datetime.combine(morning, QUIET_UNTIL, tzinfo=KST)


class Alerts:
    """The feeds, the fan-out to subscribers, reminders and broadcasts; the texts made when a message is sent."""

    def __init__(self, *, db: Database, settings: Settings, content, clock=utcnow, wake=lambda: None) -> None:
        self.db = db
        self.settings = settings
        self.content = content  # a callable returning the Content being served
        self.clock = clock
        self.wake = wake  # tell the channels' senders that something was queued
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._texts: dict[tuple[str, int, str], dict] = {}
        self._session: aiohttp.ClientSession | None = None

    # -- fetching --------------------------------------------------------------------------------------------------

    async def _get(self, url: str, params: dict[str, Any]) -> str:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            async with self._session.get(url, params=params) as response:
                body = await response.text(errors="replace")
                if response.status != 200:
                    raise FeedError(f"HTTP {response.status}")
                return body
        except aiohttp.ClientError as exc:  # its text would carry the URL, and the URL the key
            raise FeedError(f"no answer ({type(exc).__name__})") from None
        except TimeoutError:
            raise FeedError("no answer (timed out)") from None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def _feed_key(self, feed: str, secret, now: datetime) -> str | None:
        """The feed's key when this worker is the one to poll it now (it holds the feed's lease), else None: no key
        configured, or another worker polls."""
        key = secret.get_secret_value() if secret else None
        if not key:
            return None
        if not await self.db.write(store.take_lease, name=feed, holder=self.holder, now=now,
                                   until=now + timedelta(minutes=2 * self.settings.kma_poll_minutes)):
            return None
        return key

    async def poll_kma(self) -> int:
        """One poll of the KMA feed, retried with backoff on failure; returns how many messages were queued."""
        now = self.clock()
        key = await self._feed_key("kma", self.settings.kma_api_key, now)
        if key is None:
            return 0
        today = now.astimezone(KST).date()
        params = {"serviceKey": key, "pageNo": 1, "numOfRows": PAGE_ROWS, "dataType": "JSON",
                  "fromTmFc": (today - timedelta(days=1)).strftime("%Y%m%d"), "toTmFc": today.strftime("%Y%m%d")}
        url = self.settings.kma_api_base_url.rstrip("/") + "/getPwnCd"
        for attempt, wait in enumerate((*RETRY_WAITS, None), start=1):
            try:
                body = await self._get(url, params)
            except FeedError as exc:
                await self.db.write(store.record_payload, source="kma", status="error", body=None, now=self.clock(),
                                    error=str(exc))
                log.warning("KMA feed: %s (attempt %d)", exc, attempt)
            else:
                queued = await self._take_kma(body)
                if queued is not None:
                    pages = min(MAX_PAGES, -(-total_count(body) // params["numOfRows"]))
                    for page in range(2, pages + 1):  # a typhoon or a national heat wave fills more than a page
                        try:
                            more = await self._get(url, {**params, "pageNo": page})
                        except FeedError as exc:
                            log.warning("KMA feed: page %d: %s", page, exc)
                            break
                        queued += await self._take_kma(more) or 0
                    return queued
            if wait is None:
                return 0
            await asyncio.sleep(wait)  # an error page or a cut answer is usually gone a moment later
        return 0

    async def _take_kma(self, body: str) -> int | None:
        """Send what a KMA answer holds; None when it cannot be read (kept for audit, the poll tries again)."""
        content = self.content()
        now = self.clock()
        try:
            parsed, problems = parse_pwn(body, content)
        except FeedError as exc:
            await self.db.write(store.record_payload, source="kma", status="malformed", body=body, now=now,
                                error=str(exc))
            log.error("KMA feed: the answer cannot be read (%s); kept for audit, nothing sent", exc)
            return None
        payload_id = await self.db.write(store.record_payload, source="kma", status="ok" if parsed else "empty",
                                         body=body, now=now, error="; ".join(problems)[:200] or None)
        for problem in problems:
            log.warning("KMA feed: item skipped: %s", problem)
        queued = 0
        for warning in parsed:
            if warning.command != "lifted" and warning.ends_at is not None and warning.ends_at <= now:
                continue  # over already (a bot that was down, a first start): nothing to warn about
            queued += await self.db.write(self._fan_out_warning, warning=warning, payload_id=payload_id, now=now,
                                          content=content, offload=True)
        if queued:
            self.wake()
        return queued

    def _fan_out_warning(self, *, conn, warning: ParsedWarning, payload_id: int, now: datetime,
                         content: Content) -> int:
        warning_id = store.record_warning(conn=conn, values={
            "source": "kma", "fingerprint": warning.fingerprint, "zone": warning.zone, "hazard": warning.hazard,
            "level": warning.level, "command": warning.command, "issued_at": warning.issued_at,
            "starts_at": warning.starts_at, "ends_at": warning.ends_at, "details": {"raw": warning.raw},
            "payload_id": payload_id, "created_at": now})
        if warning_id is None:
            return 0  # seen before: never sent twice
        hold = quiet_hours_end(now) if warning.level == "advisory" else None
        count = store.fan_out(conn=conn, kind="alert", batch=f"alert:{warning_id}", ref={"alert": warning_id},
                              zones_=content.zone_family(warning.zone), hazard=warning.hazard,
                              priority=ALERT_PRIORITY[warning.level], now=now, hold_until=hold)
        store.set_recipients(conn=conn, warning_id=warning_id, count=count)
        log.info("alert %d (%s %s %s, %s) queued for %d subscriber(s)", warning_id, warning.hazard, warning.level,
                 warning.command, warning.zone, count)
        return count

    async def poll_mois(self) -> int:
        """One poll of the disaster text messages (optional feed)."""
        now = self.clock()
        key = await self._feed_key("mois", self.settings.safety_data_api_key, now)
        if key is None:
            return 0
        local = now.astimezone(KST)
        days = [local.date()]
        if local.hour < 2:  # a message of 23:58 that the last poll of the day missed
            days.insert(0, local.date() - timedelta(days=1))
        queued = 0
        for day in days:
            queued += await self._poll_mois_day(key, day, now)
        return queued

    async def _poll_mois_day(self, key: str, day: date, now: datetime) -> int:
        params = {"serviceKey": key, "pageNo": 1, "numOfRows": 100, "returnType": "json",
                  "crtDt": day.strftime("%Y%m%d"), "rgnNm": "전라남도"}
        body = None
        try:
            body = await self._get(self.settings.safety_data_base_url, params)
            messages, problems = parse_disasters(body, self.content())
        except FeedError as exc:  # the next poll tries again; an unreadable answer is kept for audit
            await self.db.write(store.record_payload, source="mois", status="error" if body is None else "malformed",
                                body=body, now=now, error=str(exc))
            log.warning("disaster messages feed: %s", exc)
            return 0
        payload_id = await self.db.write(store.record_payload, source="mois", status="ok" if messages else "empty",
                                         body=body, now=now, error="; ".join(problems)[:200] or None)
        queued = 0
        for message in messages:
            queued += await self.db.write(self._fan_out_disaster, message=message, payload_id=payload_id, now=now,
                                          offload=True)
        if queued:
            self.wake()
        return queued

    def _fan_out_disaster(self, *, conn, message: dict, payload_id: int, now: datetime) -> int:
        warning_id = store.record_warning(conn=conn, values={
            "source": "mois", "fingerprint": f"mois:{message['sn']}", "zone": "L1050000", "hazard": "disaster",
            "level": message["level"], "command": "issued", "issued_at": message["sent_at"],
            "details": {k: message[k] for k in ("text", "regions", "kind")}, "payload_id": payload_id,
            "created_at": now})
        if warning_id is None:
            return 0
        count = store.fan_out(conn=conn, kind="alert", batch=f"alert:{warning_id}", ref={"alert": warning_id},
                              zones_=message["zones"], hazard=None, priority=20, now=now)
        store.set_recipients(conn=conn, warning_id=warning_id, count=count)
        return count

    # -- the text of a queued message ------------------------------------------------------------------------------

    async def expand(self, payload: dict) -> dict:
        """The message for an outbox row queued by reference ({"alert": id} or {"broadcast": id}, and "locale")."""
        locale = payload.get("locale") or "en"
        if "alert" in payload:
            key = ("alert", int(payload["alert"]), locale)
            if key not in self._texts:
                row = await self.db.read(store.get_warning, warning_id=key[1])
                self._texts[key] = alert_text(self.content(), row, locale) if row else {"text": ""}
        elif "broadcast" in payload:
            region = payload.get("region") or ""
            key = ("broadcast", int(payload["broadcast"]), f"{locale}:{region}")
            if key not in self._texts:
                row = await self.db.read(store.get_broadcast, broadcast_id=key[1])
                self._texts[key] = broadcast_text(row, locale, self._area(locale, region)) if row else {"text": ""}
        else:
            return payload
        if len(self._texts) > 2000:
            self._texts.clear()
        return self._texts[key]

    def _area(self, locale: str, region_id: str) -> str:
        region = self.content().region(region_id)
        if region is None:
            return translator(locale)("your area")
        return with_korean(locale, translator(locale)(region.name), region.ko)

    # -- reminders -------------------------------------------------------------------------------------------------

    async def send_reminders(self, today: date | None = None) -> int:
        """Queue the reminders due today (or missed while the bot was down), each once."""
        today = today or self.clock().astimezone(KST).date()
        now = self.clock()

        def run(*, conn) -> int:
            queued = 0
            for row in store.all_reminders(conn=conn):
                message = self._reminder(conn, row, today)
                if message is None:
                    continue
                tag, text, rows = message
                if not store.mark_reminder_sent(conn=conn, resident_id=row.resident_id, kind=row.kind, tag=tag,
                                                now=now):
                    continue
                from bot.storage import mail

                queued += len(mail.enqueue(conn=conn, now=now, messages=[{
                    "channel": row.channel, "recipient": row.user_key, "kind": "reminder", "priority": 45,
                    "dedupe_key": f"reminder:{row.resident_id}:{row.kind}:{tag}:{row.due_date or ''}",
                    "payload": {"text": text, "rows": rows}}]))
            return queued

        queued = await self.db.write(run)
        if queued:
            self.wake()
        return queued

    def _reminder(self, conn, row, today: date):
        """(tag, text, buttons) of the reminder due for this row today, or None."""
        _ = translator(row.locale or "en")
        if row.kind == "stay" and row.due_date is not None:
            left = (row.due_date - today).days
            if left < 0:
                return None
            due = [offset for offset in STAY_OFFSETS if left <= offset and f",{offset}," not in row.sent]
            if not due:
                return None
            offset = min(due)  # after a pause, only the most recent reminder, not all of them at once
            if any(f",{earlier}," in row.sent for earlier in STAY_OFFSETS if earlier < offset):
                return None
            day = format_date(row.due_date, "long", locale=_.babel_locale)
            text = _("⏰ Your stay in Korea ends on {date}: in {days} days.").format(date=day, days=left) + "\n\n"
            text += _("You can apply for an extension from 4 months before that date, at HiKorea "
                      "(www.hikorea.go.kr) or at the immigration office. Do not wait until the last days: staying "
                      "past the date means a fine or worse.")
            office = self.content().office_for(row.region)
            if office is not None:
                text += "\n\n" + _("Immigration office for your area: {office}").format(
                    office=with_korean(row.locale, _(office.name), office.ko))
            rows = [[[_("🛂 Extension"), "menu:immigration|card:immigration_extension"]],
                     [[_("💬 Counselor"), "menu.main|request.confirm"]]]
            return str(offset), text, rows
        if row.kind == "insurance" and row.day_of_month:
            # this month's due day, or next month's (a premium due on the 1st is announced at the end of the month)
            first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
            dues = [month.replace(day=min(row.day_of_month, _days_in_month(month)))
                    for month in (today.replace(day=1), first_next)]
            due = next((day for day in dues if 0 <= (day - today).days <= 3), None)
            if due is None:
                return None
            text = _("⏰ Your health insurance premium is due on {date}. Unpaid premiums can block a visa "
                     "extension.").format(date=format_date(due, "long", locale=_.babel_locale))
            return due.strftime("%Y-%m"), text, [[[_("💬 Counselor"), "menu.main|request.confirm"]]]
        return None

    # -- broadcasts ------------------------------------------------------------------------------------------------

    async def queue_broadcast(self, *, title: str, texts: dict[str, str], zones_: list[str] | None,
                              languages: list[str] | None, created_by: str | None) -> tuple[int, int]:
        """Record an announcement and queue it for its recipients; (broadcast id, recipients)."""
        now = self.clock()

        def run(*, conn) -> tuple[int, int]:
            broadcast_id = store.create_broadcast(conn=conn, title=title, texts=texts, now=now,
                                                  filters={"zones": zones_, "languages": languages},
                                                  created_by=created_by)
            count = store.fan_out(conn=conn, kind="broadcast", batch=f"broadcast:{broadcast_id}",
                                  ref={"broadcast": broadcast_id}, zones_=zones_, hazard=None, priority=50, now=now,
                                  languages=languages, announcements=True)
            store.set_broadcast_recipients(conn=conn, broadcast_id=broadcast_id, count=count)
            tickets.record_audit(conn=conn, actor=f"cli:{created_by or '?'}", action="broadcast", now=now,
                                 detail={"broadcast": broadcast_id, "recipients": count})
            return broadcast_id, count

        result = await self.db.write(run, offload=True)
        self.wake()
        return result


#: The stay reminders: 4 months (an extension can be booked from then), 1 month, 2 weeks before the end.
STAY_OFFSETS = (120, 30, 14)


def _days_in_month(day: date) -> int:
    import calendar

    return calendar.monthrange(day.year, day.month)[1]
