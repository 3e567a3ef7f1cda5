"""The counselor queue, channel-neutral: tickets opened from the conversation, places in line and waiting times,
opening hours, notices to residents and notifications to counselors — all written to the outbox in the same
transaction as the change that causes them, so a crash loses none and sends none twice.

Telegram uses it now; a KakaoTalk adapter and a web console use the same calls later. Nothing here imports a
channel library.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_datetime
from sqlalchemy import Connection

from bot.i18n import AUTONYMS, translator
from bot.services.hours import OpeningHours
from bot.storage import mail, tickets
from bot.storage.tickets import CounselorRow, TicketRow

#: Without recent closed tickets of a language, a consultation is assumed to take this long (minutes).
DEFAULT_HANDLING_MINUTES = 10.0
#: A resident is told their place again when it improved by this much, or when they are next.
TELL_AFTER_GAIN = 3
#: Outbox priorities: replies to residents 0, messages between a resident and a counselor 10, notices 20.
RELAY_PRIORITY = 10
NOTICE_PRIORITY = 20
#: Counselor button tokens start with this (they are handled by the desk, not the resident conversation).
DESK = "desk"


@dataclass(frozen=True)
class QueueStatus:
    ticket_id: int
    status: str
    position: int
    wait_minutes: int | None  # rounded for people ("about 10 minutes"); None: nobody on duty for the language
    open_now: bool
    opens_at: datetime | None
    counselor_name: str | None = None


def rounded_wait(minutes: float) -> int:
    """A waiting time people can use: 5, 10, 15, 20, 30, 45, 60, then whole hours — never false precision."""
    for step in (5, 10, 15, 20, 30, 45, 60):
        if minutes <= step:
            return step
    return int(-(-minutes // 60) * 60)


def wait_words(_, minutes: int | None) -> str:
    """The rounded wait in the resident's language."""
    if minutes is None:
        return _("unknown for now")
    if minutes <= 5:
        return _("a few minutes")
    if minutes < 60:
        return _("about {minutes} minutes").format(minutes=minutes)
    if minutes == 60:
        return _("about an hour")
    return _("about {hours} hours").format(hours=minutes // 60)


def payload(text: str, rows: list[list[tuple[str, str]]] | None = None, **extra: Any) -> dict:
    """An outbox payload (the shape of engine.reply_payload): text, buttons as (label, token) rows, extras."""
    result: dict[str, Any] = {"text": text, "rows": [[[label, token] for label, token in row] for row in rows or []]}
    result.update({key: value for key, value in extra.items() if value is not None})
    return result


class Queue:
    """Ticket operations with their side effects (notices, notifications, audit), inside the caller's transaction."""

    def __init__(self, hours: OpeningHours, *, content: Callable[[], Any] = lambda: None) -> None:
        self.hours = hours
        self.content = content  # the content being served (area names)

    # -- reading -----------------------------------------------------------------------------------------------

    def status(self, conn: Connection, ticket: TicketRow, now: datetime) -> QueueStatus:
        place = tickets.position(conn=conn, ticket=ticket)
        open_now = self.hours.is_open(now, ticket.locale)
        minutes = None
        name = None
        if ticket.status == "waiting":
            minutes = self._wait(conn, ticket.locale, place)
        elif ticket.counselor_id is not None:
            counselor = tickets.get_counselor(conn=conn, counselor_id=ticket.counselor_id)
            name = counselor.name if counselor else None
        opens_at = None if open_now else self.hours.next_opening(now, ticket.locale)
        return QueueStatus(ticket.id, ticket.status, place, minutes, open_now, opens_at, name)

    def status_for_new(self, conn: Connection, *, locale: str, priority: int, now: datetime) -> QueueStatus:
        """The status a request being sent in this very turn will have (its ticket is written with the turn)."""
        ahead = sum(1 for ticket in tickets.waiting(conn=conn, locale=locale) if ticket.priority >= priority)
        open_now = self.hours.is_open(now, locale)
        minutes = self._wait(conn, locale, ahead + 1)
        return QueueStatus(0, "waiting", ahead + 1, minutes, open_now,
                           None if open_now else self.hours.next_opening(now, locale))

    def _wait(self, conn: Connection, locale: str, place: int) -> int | None:
        return self._waits(conn, locale)(place)

    def _waits(self, conn: Connection, locale: str) -> Callable[[int], int | None]:
        """About how long the place-th in line waits: recent handling times of the language, by counselors on duty
        (looked up once for a whole line)."""
        on_duty = len(tickets.counselors_for(conn=conn, locale=locale))
        if not on_duty:
            return lambda place: None
        recent = tickets.handling_minutes(conn=conn, locale=locale)
        typical = statistics.median(recent) if recent else DEFAULT_HANDLING_MINUTES
        return lambda place: rounded_wait(place * typical / on_duty)

    def opens_text(self, _, locale: str, opens_at: datetime) -> str:
        """"The call center opens on Monday 09:00" in the resident's date format."""
        when = format_datetime(opens_at, "EEEE HH:mm", tzinfo=self.hours.tz, locale=translator(locale).babel_locale)
        return _("The call center is closed now. It opens {when} (Korean time); your request is kept until "
                 "then.").format(when=when)

    # -- changes (inside a transaction) --------------------------------------------------------------------------

    def open(self, conn: Connection, *, resident_id: int, channel: str, user_key: str, request: dict[str, Any],
             now: datetime) -> tuple[TicketRow, bool]:
        """Open a ticket for a request from the conversation (or join the resident's open one) and notify the
        counselors on duty who speak its language."""
        details = dict(request.get("details") or {})
        note = details.pop("note", None)
        ticket, joined = tickets.open_or_join(
            conn=conn, resident_id=resident_id, channel=channel, user_key=user_key, kind=request["kind"],
            topic=request.get("topic") or "general", locale=request["locale"], region=request.get("region"),
            priority=int(request.get("priority") or 0), details=details, now=now, note=note)
        tickets.record_audit(conn=conn, actor="resident", action="join" if joined else "open", now=now,
                             ticket_id=ticket.id, detail={"kind": request["kind"]})
        if not joined:
            self.notify_counselors(conn, ticket, now)
        elif ticket.status == "assigned" and note and ticket.counselor_id is not None:
            counselor = tickets.get_counselor(conn=conn, counselor_id=ticket.counselor_id)
            if counselor is not None:
                self.relay_to_counselor(conn, ticket, counselor, {"text": note}, now)
        return ticket, joined

    def back_in_line(self, conn: Connection, ticket_id: int, now: datetime) -> TicketRow:
        """A chat just sent back to the queue (by its counselor, or because they were disabled): the resident is
        told, and the counselors who speak the language are offered it again."""
        back = tickets.get_ticket(conn=conn, ticket_id=ticket_id)
        self.notice(conn, back, translator(back.locale).gettext(
            "Your request is back in the line; the next free counselor for your language will continue."),
            now, key=f"requeued:{back.id}:{now.timestamp()}")
        self.notify_counselors(conn, back, now, again=True)
        return back

    def notify_counselors(self, conn: Connection, ticket: TicketRow, now: datetime, *, again: bool = False) -> int:
        """One message with a Take button to each on-duty counselor who speaks the ticket's language (the outbox's
        unique key makes a second notification of the same ticket to the same counselor impossible; `again` when a
        ticket comes back to the queue)."""
        sent = 0
        round_ = f":{now.timestamp()}" if again else ""
        for counselor in tickets.counselors_for(conn=conn, locale=ticket.locale):
            _ = translator(counselor.locale)
            text = _("🆕 New request #{id}").format(id=ticket.id) + "\n" + self.summary(_, ticket, now)
            rows = [[(_("✋ Take #{id}").format(id=ticket.id), f"{DESK}|take|{ticket.id}")]]
            sent += len(mail.enqueue(conn=conn, now=now, messages=[{
                "channel": counselor.channel, "recipient": counselor.user_key, "kind": "notice",
                "priority": NOTICE_PRIORITY, "dedupe_key": f"notify:{ticket.id}:{counselor.id}{round_}",
                "batch": f"ticket:{ticket.id}", "payload": payload(text, rows)}]))
        return sent

    def summary(self, _, ticket: TicketRow, now: datetime) -> str:
        """What a counselor sees of a ticket: language, area, topic, kind, channel, user type and wait — no name."""
        from bot.services.names import area_name, kind_name, topic_name, user_type_name

        waited = int((now - (ticket.queued_at or ticket.created_at)).total_seconds() // 60)
        parts = [AUTONYMS.get(ticket.locale, ticket.locale), area_name(_, self.content(), ticket.region),
                 topic_name(_, ticket.topic),
                 kind_name(_, ticket.kind), ticket.channel]
        if ticket.user_type:
            parts.append(user_type_name(_, ticket.user_type))
        line = " · ".join(parts)
        return line + "\n" + _("waiting {minutes} min").format(minutes=waited) if ticket.status == "waiting" \
            else line

    def tell_positions(self, conn: Connection, locale: str, now: datetime) -> int:
        """Tell waiting residents of a language their new place when it changed meaningfully: when they are next,
        or moved up by TELL_AFTER_GAIN places since they were last told."""
        told = 0
        waits = None
        for place, ticket in enumerate(tickets.waiting(conn=conn, locale=locale), start=1):
            last = ticket.told_position
            if last is not None and not (place == 1 < last or last - place >= TELL_AFTER_GAIN):
                continue
            if last is None:
                tickets.set_told_position(conn=conn, ticket_id=ticket.id, told=place)
                continue
            _ = translator(ticket.locale)
            if place == 1:
                text = _("⏳ You are next in line. A counselor will be with you soon.")
            else:
                waits = waits or self._waits(conn, locale)
                text = _("⏳ You are now number {position} in line. Waiting time: {wait}.").format(
                    position=place, wait=wait_words(_, waits(place)))
            self.notice(conn, ticket, text, now, key=f"place:{ticket.id}:{place}")
            tickets.set_told_position(conn=conn, ticket_id=ticket.id, told=place)
            told += 1
        return told

    def notice(self, conn: Connection, ticket: TicketRow, text: str, now: datetime, *, key: str,
               rows: list[list[tuple[str, str]]] | None = None) -> None:
        """A message to the ticket's resident, in their channel (nothing if the resident deleted their data)."""
        if not ticket.user_key:
            return
        mail.enqueue(conn=conn, now=now, messages=[{
            "channel": ticket.channel, "recipient": ticket.user_key, "kind": "notice", "priority": NOTICE_PRIORITY,
            "dedupe_key": key, "batch": f"ticket:{ticket.id}", "payload": payload(text, rows)}])

    def relay_to_counselor(self, conn: Connection, ticket: TicketRow, counselor: CounselorRow, message: dict,
                           now: datetime) -> None:
        """A resident's message (text or media) to the counselor who has the ticket, headed with the ticket."""
        header = f"#{ticket.id} · {AUTONYMS.get(ticket.locale, ticket.locale)}"
        text = message.get("text") or ""
        media = message.get("media")
        body = f"{header}\n{text}" if text else header
        mail.enqueue(conn=conn, now=now, messages=[{
            "channel": counselor.channel, "recipient": counselor.user_key, "kind": "relay",
            "priority": RELAY_PRIORITY, "dedupe_key": message["key"] if "key" in message else
            f"relay:{ticket.id}:{now.timestamp()}:{hash(body) & 0xffffffff}",
            "batch": f"ticket:{ticket.id}", "payload": payload(body, media=media)}])

    def relay_to_resident(self, conn: Connection, ticket: TicketRow, counselor: CounselorRow, message: dict,
                          now: datetime, *, key: str) -> None:
        """A counselor's message to the resident, in the resident's channel, with the counselor's name."""
        if not ticket.user_key:
            return
        _ = translator(ticket.locale)
        text = message.get("text") or ""
        head = _("💬 {name} (counselor):").format(name=counselor.name)
        mail.enqueue(conn=conn, now=now, messages=[{
            "channel": ticket.channel, "recipient": ticket.user_key, "kind": "relay", "priority": RELAY_PRIORITY,
            "dedupe_key": key, "batch": f"ticket:{ticket.id}",
            "payload": payload(f"{head}\n{text}" if text else head, media=message.get("media"))}])

    def tell_counselor(self, conn: Connection, ticket: TicketRow, what: str, now: datetime) -> None:
        """Tell the counselor who has (or had) a ticket what happened on the resident's side."""
        if ticket.counselor_id is None:
            return
        counselor = tickets.get_counselor(conn=conn, counselor_id=ticket.counselor_id)
        if counselor is None:
            return
        _ = translator(counselor.locale)
        texts = {
            "ended": _("#{id}: the resident ended the chat."),
            "too_big": _("#{id}: the resident tried to send a file over 20 MB; it could not be passed on. They "
                         "were asked for a smaller file or a photo."),
            "blocked": _("#{id}: the resident has blocked the bot. Your message could not be delivered; the chat "
                         "cannot go on here."),
        }
        mail.enqueue(conn=conn, now=now, messages=[{
            "channel": counselor.channel, "recipient": counselor.user_key, "kind": "notice",
            "priority": RELAY_PRIORITY, "dedupe_key": f"{what}:{ticket.id}:{now.timestamp()}",
            "batch": f"ticket:{ticket.id}", "payload": payload(texts[what].format(id=ticket.id))}])

    def expire(self, conn: Connection, *, now: datetime, after: timedelta) -> int:
        """Waiting tickets nobody took for `after` expire; their residents are told to ask again."""
        expired = tickets.expire(conn=conn, before=now - after, now=now)
        for ticket in expired:
            _ = translator(ticket.locale)
            self.notice(conn, ticket, _("Your request #{id} waited too long and was closed. If you still need "
                                        "help, ask again or call {phone}.").format(id=ticket.id, phone="1588-5949"),
                        now, key=f"expired:{ticket.id}")
            tickets.record_audit(conn=conn, actor="system", action="expire", now=now, ticket_id=ticket.id)
        return len(expired)
