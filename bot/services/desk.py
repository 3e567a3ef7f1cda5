"""The counselors' desk, channel-neutral: what a registered counselor sends (commands, button presses, messages for
a resident) comes in as an Incoming; replies to the counselor and messages to residents go out through the outbox,
written in the same transaction as the change (a take, a transfer, a close) and the closing of the inbox row.

Commands: /queue, /take N, /next, /mine, /switch N, /note TEXT, /transfer [N|queue], /close [TOPIC [OUTCOME]],
/canned, /on, /off, /help. Anything else a counselor types or sends goes to the resident of their current ticket
(or of the ticket whose message they answer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import OperationalError

from bot.conversation.engine import MAX_RELAY_BYTES, RELAYED_MEDIA, Outgoing, Receipt, TurnDeferred, enqueue_replies
from bot.conversation.messages import Button, Incoming, Kind, Reply
from bot.i18n import AUTONYMS, LOCALES, choose_locale, translator
from bot.services.names import CLOSE_TOPICS, OUTCOMES, outcome_name, topic_name
from bot.services.queue import DESK, Queue
from bot.settings import Settings
from bot.storage import mail, tickets
from bot.storage.db import Database
from bot.storage.tickets import CounselorRow, TicketRow
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

COMMANDS = ("queue", "take", "next", "mine", "switch", "note", "transfer", "close", "canned", "on", "off", "help",
            "start", "menu")
#: How long the list of counselors is trusted before it is read again (the CLI changes it from another process).
REFRESH_SECONDS = 15.0
HISTORY_LINES = 8


def canned_replies(_) -> dict[str, str]:
    """Short replies a counselor can send with one tap, in the resident's language."""
    return {
        "reading": _("Thank you for waiting. I am reading your message now."),
        "photo": _("Could you send a photo of the document, please?"),
        "call": _("I will call you at the number you gave. Please keep your phone nearby."),
        "1345": _("For this question, please call the Immigration Contact Center at 1345 (interpreters for about "
                  "20 languages)."),
        "more": _("Is there anything else I can help you with?"),
    }


def token(*parts: object) -> str:
    return "|".join([DESK, *map(str, parts)])


class Desk:
    """Counselor commands and relays; one transaction per message a counselor sends."""

    def __init__(self, *, db: Database, queue: Queue, settings: Settings,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.queue = queue
        self.settings = settings
        self.clock = clock
        self._keys: set[tuple[str, str]] = set()
        self._loaded_at = 0.0

    async def refresh(self) -> None:
        """Read again who the active counselors are."""
        self._keys = await self.db.read(tickets.active_keys)
        self._loaded_at = time.monotonic()

    async def is_counselor(self, channel: str, user_key: str) -> bool:
        if time.monotonic() - self._loaded_at > REFRESH_SECONDS:
            await self.refresh()
        return (channel, user_key) in self._keys

    async def _retell(self, locales: set[str], now: datetime) -> None:
        """Tell the residents behind a ticket that left the line their new place, in a transaction of its own: in
        the claim's, the rows of everyone waiting would stay locked while other counselors claim, and two claims
        could each wait for the other (a deadlock on PostgreSQL). A failure here costs a notice, never the claim."""
        for locale in sorted(locales):
            try:
                await self.db.write(self.queue.tell_positions, locale=locale, now=now)
            except Exception as exc:
                log.warning("places in line of %s not told (%s)", locale, type(exc).__name__)

    # -- entry points --------------------------------------------------------------------------------------------

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Run one step and return the replies to the counselor (messages to residents are queued)."""
        return await self._run(incoming, None)

    async def process(self, incoming: Incoming, receipt: Receipt) -> Outgoing:
        """Run one durable step: the inbox row, the change and every message it causes in one transaction; return
        the replies to the counselor (claimed outbox rows, in order)."""
        return await self._run(incoming, receipt)

    async def _run(self, incoming: Incoming, receipt: Receipt | None):
        now = self.clock()

        def step(*, conn):
            if receipt is not None and not mail.finish_update(conn=conn, inbox_id=receipt.inbox_id, status="done",
                                                              now=now):
                return Outgoing([])
            counselor = tickets.counselor_by_key(conn=conn, channel=incoming.channel, user_key=incoming.user_key)
            if counselor is None or not counselor.active:
                _ = translator(choose_locale(None, incoming.language_hint, self.settings.default_locale))
                replies = [Reply(_("This account is not an active counselor of the call center."))]
            else:
                done = Step(self, conn, counselor, now)
                replies = done.run(incoming)
                retell.update(done.retell)
            if receipt is None:
                return replies
            return Outgoing(enqueue_replies(conn, incoming.channel, receipt, replies, now), others=True)

        for delay in (0.05, 0.2, 0.5, None):
            retell: set[str] = set()
            try:
                result = await self.db.write(step)
            except OperationalError:
                if delay is not None:
                    await asyncio.sleep(delay)
                continue
            await self._retell(retell, now)
            return result
        _ = translator("ko")
        apology = Reply(_("The system is busy right now. Please send your message again in a minute."))
        if receipt is not None:
            raise TurnDeferred(apology)
        return [apology]


class Step:
    """One message from one counselor, inside one transaction."""

    def __init__(self, desk: Desk, conn, counselor: CounselorRow, now: datetime) -> None:
        self.desk = desk
        self.queue = desk.queue
        self.conn = conn
        self.me = counselor
        self.now = now
        self._ = translator(counselor.locale)
        self.retell: set[str] = set()  # lines that moved: their residents hear their new place after the commit

    def run(self, incoming: Incoming) -> list[Reply]:
        if incoming.kind is Kind.CHOICE:
            return self.button(incoming.text.split("|"))
        if incoming.kind is Kind.COMMAND:
            return self.command(incoming.text, incoming.args)
        return self.relay(incoming)

    # -- helpers -------------------------------------------------------------------------------------------------

    def say(self, text: str, rows: list[list[tuple[str, str]]] | None = None) -> list[Reply]:
        return [Reply(text, [[Button(label, value) for label, value in row] for row in rows or []])]

    def audit(self, action: str, ticket_id: int | None = None, **detail) -> None:
        tickets.record_audit(conn=self.conn, actor=f"counselor:{self.me.id}", action=action, now=self.now,
                             ticket_id=ticket_id, detail=detail or None)

    def line(self, ticket: TicketRow) -> str:
        return f"#{ticket.id} · " + self.queue.summary(self._, ticket, self.now).replace("\n", " · ")

    def mine(self, ticket_id: int | None) -> TicketRow | None:
        """A ticket this counselor holds now, or None."""
        if ticket_id is None:
            return None
        ticket = tickets.get_ticket(conn=self.conn, ticket_id=ticket_id)
        if ticket is None or ticket.status != "assigned" or ticket.counselor_id != self.me.id:
            return None
        return ticket

    def not_yours(self, ticket_id: int) -> list[Reply]:
        _ = self._
        ticket = tickets.get_ticket(conn=self.conn, ticket_id=ticket_id)
        if ticket is None:
            return self.say(_("There is no request #{id}.").format(id=ticket_id))
        if ticket.status in tickets.CLOSED:
            return self.say(_("Request #{id} is closed; your message was not sent.").format(id=ticket_id))
        if ticket.status == "waiting":
            return self.say(_("Request #{id} is waiting in the queue; take it first with /take {id}.").format(
                id=ticket_id))
        other = tickets.get_counselor(conn=self.conn, counselor_id=ticket.counselor_id)
        return self.say(_("Request #{id} is with {name}, not with you.").format(
            id=ticket_id, name=other.name if other else "?"))

    @staticmethod
    def number(text: str) -> int | None:
        text = text.strip().lstrip("#")
        return int(text) if text.isdigit() and len(text) < 10 else None

    # -- commands ------------------------------------------------------------------------------------------------

    def command(self, name: str, args: str) -> list[Reply]:
        _ = self._
        match name:
            case "queue":
                return self.show_queue()
            case "take":
                ticket_id = self.number(args)
                if ticket_id is None:
                    return self.say(_("Which request? For example: /take 12. /queue shows who is waiting."))
                return self.take(ticket_id)
            case "next":
                ticket = tickets.claim_next(conn=self.conn, counselor_id=self.me.id, languages=self.me.languages,
                                            now=self.now)
                if ticket is None:
                    return self.say(_("Nobody is waiting in your languages."))
                return self.taken(ticket)
            case "mine":
                return self.show_mine()
            case "switch":
                ticket_id = self.number(args)
                if ticket_id is None or self.mine(ticket_id) is None:
                    return self.show_mine()
                tickets.update_counselor(conn=self.conn, counselor_id=self.me.id, current_ticket_id=ticket_id)
                return self.say(_("Your messages now go to #{id}.").format(id=ticket_id))
            case "note":
                return self.note(args)
            case "transfer":
                return self.transfer_menu(args)
            case "close":
                return self.close_command(args)
            case "canned":
                return self.canned_menu()
            case "on" | "off":
                tickets.update_counselor(conn=self.conn, counselor_id=self.me.id, on_duty=name == "on")
                self.audit("duty_" + name)
                return self.say(_("You are on duty: new requests in your languages are sent to you.") if name == "on"
                                else _("You are off duty: no new requests are sent to you."))
            case _:
                return self.help()

    def help(self) -> list[Reply]:
        _ = self._
        return self.say(_(
            "🎧 Counselor desk\n"
            "/queue who is waiting · /next take the next one · /take N take request N\n"
            "/mine your open chats · /switch N write to chat N\n"
            "/note TEXT a private note · /transfer hand over · /close end and record the chat\n"
            "/canned ready answers · /on /off duty\n"
            "Anything else you write or send goes to the resident of your current chat (or of the message you "
            "reply to)."))

    def show_queue(self) -> list[Reply]:
        _ = self._
        waiting = tickets.waiting(conn=self.conn)
        if not waiting:
            return self.say(_("Nobody is waiting."))
        ours = [t for t in waiting if t.locale in self.me.languages]
        others = [t for t in waiting if t.locale not in self.me.languages]
        lines = [_("📋 Waiting: {count}").format(count=len(waiting))]
        lines += [self.line(t) for t in ours]
        if others:
            lines.append(_("Other languages:"))
            lines += [self.line(t) for t in others[:20]]
        rows = [[(_("✋ Take #{id}").format(id=t.id), token("take", t.id))] for t in ours[:8]]
        return self.say("\n".join(lines), rows)

    def take(self, ticket_id: int) -> list[Reply]:
        _ = self._
        ticket = tickets.claim(conn=self.conn, ticket_id=ticket_id, counselor_id=self.me.id, now=self.now)
        if ticket is not None:
            return self.taken(ticket)
        ticket = tickets.get_ticket(conn=self.conn, ticket_id=ticket_id)
        if ticket is None:
            return self.say(_("There is no request #{id}.").format(id=ticket_id))
        if ticket.status == "assigned" and ticket.counselor_id == self.me.id:
            return self.say(_("You already have #{id}.").format(id=ticket_id))
        if ticket.status == "assigned":
            other = tickets.get_counselor(conn=self.conn, counselor_id=ticket.counselor_id)
            return self.say(_("Request #{id} was already taken by {name}.").format(
                id=ticket_id, name=other.name if other else "?"))
        return self.say(_("Request #{id} is closed.").format(id=ticket_id))

    def taken(self, ticket: TicketRow) -> list[Reply]:
        """Just taken: the counselor sees the request and what the resident agreed to share; the resident is told."""
        _ = self._
        tickets.update_counselor(conn=self.conn, counselor_id=self.me.id, current_ticket_id=ticket.id)
        self.audit("take", ticket.id)
        self.audit("view", ticket.id)
        resident = translator(ticket.locale)
        self.queue.notice(self.conn, ticket, resident.gettext(
            "👋 {name}, a counselor of the call center, is now with you. Write your message here.").format(
            name=self.me.name), self.now, key=f"taken:{ticket.id}:{self.me.id}:{self.now.timestamp()}")
        self.retell.add(ticket.locale)
        return self.say(_("✅ You have #{id}. Your messages now go to this resident.").format(id=ticket.id) + "\n" +
                        self.line(ticket) + self.history(ticket))

    def history(self, ticket: TicketRow) -> str:
        """What the resident wrote: the ticket's messages, and the bot history they agreed to keep."""
        _ = self._
        lines = []
        for message in tickets.ticket_messages(conn=self.conn, ticket_id=ticket.id, limit=HISTORY_LINES):
            who = {"resident": "👤", "counselor": "🎧", "note": "📝", "system": "⚙️"}.get(message.direction, "·")
            body = message.body or f"[{message.kind}]"
            lines.append(f"{who} {body[:500]}")
        if ticket.resident_id is not None:
            earlier = tickets.recent_history(conn=self.conn, resident_id=ticket.resident_id, limit=5)
            if earlier:
                lines.append(_("Earlier with the bot:"))
                lines += [f"· {row.body[:200]}" for row in earlier]
        return ("\n\n" + "\n".join(lines)) if lines else ""

    def show_mine(self) -> list[Reply]:
        _ = self._
        held = tickets.held_by(conn=self.conn, counselor_id=self.me.id)
        if not held:
            return self.say(_("You have no open chats. /queue shows who is waiting."))
        lines = [_("Your open chats:")] + [
            ("▶ " if t.id == self.me.current_ticket_id else "") + self.line(t) for t in held]
        rows = [[(_("Write to #{id}").format(id=t.id), token("switch", t.id))] for t in held]
        return self.say("\n".join(lines), rows)

    def note(self, text: str) -> list[Reply]:
        _ = self._
        ticket = self.mine(self.me.current_ticket_id)
        if ticket is None:
            return self.say(_("You have no open chat to add a note to. /mine shows your chats."))
        if not text.strip():
            return self.say(_("Write the note after the command, for example: /note asked for the contract"))
        tickets.add_message(conn=self.conn, ticket_id=ticket.id, direction="note", kind="text", body=text,
                            counselor_id=self.me.id, now=self.now)
        self.audit("note", ticket.id)
        return self.say(_("📝 Note saved to #{id}. Residents never see notes.").format(id=ticket.id))

    # -- transfer and close --------------------------------------------------------------------------------------

    def transfer_menu(self, args: str) -> list[Reply]:
        _ = self._
        ticket = self.mine(self.me.current_ticket_id)
        if ticket is None:
            return self.say(_("You have no open chat to hand over. /mine shows your chats."))
        target = args.strip().lower()
        if target == "queue":
            return self.transfer(ticket.id, "queue")
        if target.isdigit():
            return self.transfer(ticket.id, target)
        colleagues = [c for c in tickets.counselors_for(conn=self.conn, locale=ticket.locale) if c.id != self.me.id]
        rows = [[(f"➡️ {c.name}", token("transfer", ticket.id, c.id))] for c in colleagues[:8]]
        rows.append([(_("↩️ Back to the queue"), token("transfer", ticket.id, "queue"))])
        return self.say(_("Hand #{id} over to whom?").format(id=ticket.id), rows)

    def transfer(self, ticket_id: int, target: str) -> list[Reply]:
        _ = self._
        ticket = self.mine(ticket_id)
        if ticket is None:
            return self.not_yours(ticket_id)
        resident = translator(ticket.locale)
        if target == "queue":
            if not tickets.hand_over(conn=self.conn, ticket_id=ticket.id, from_id=self.me.id, to_id=None,
                                     now=self.now):
                return self.not_yours(ticket.id)  # closed or cancelled meanwhile
            self.audit("transfer", ticket.id, to="queue")
            self.queue.back_in_line(self.conn, ticket.id, self.now)
            self.retell.add(ticket.locale)
            self._clear_current(ticket.id)
            return self.say(_("#{id} is back in the queue.").format(id=ticket.id))
        colleague = tickets.get_counselor(conn=self.conn, counselor_id=int(target))
        if colleague is None or not colleague.active or ticket.locale not in colleague.languages:
            return self.say(_("That colleague cannot take a request in {language}.").format(
                language=AUTONYMS.get(ticket.locale, ticket.locale)))
        if not tickets.hand_over(conn=self.conn, ticket_id=ticket.id, from_id=self.me.id, to_id=colleague.id,
                                 now=self.now):
            return self.not_yours(ticket.id)  # closed or cancelled meanwhile
        busy = colleague.current_ticket_id is not None and any(
            t.id == colleague.current_ticket_id for t in tickets.held_by(conn=self.conn, counselor_id=colleague.id))
        if not busy:  # a colleague in another chat keeps writing to it until they switch
            tickets.update_counselor(conn=self.conn, counselor_id=colleague.id, current_ticket_id=ticket.id)
        self.audit("transfer", ticket.id, to=colleague.id)
        self._clear_current(ticket.id)
        handed = tickets.get_ticket(conn=self.conn, ticket_id=ticket.id)
        theirs = translator(colleague.locale)
        if busy:
            first = theirs.gettext("🔀 {name} handed #{id} over to you. /switch {id} to write to this resident.")
        else:
            first = theirs.gettext("🔀 {name} handed #{id} over to you. Your messages now go to this resident.")
        mail.enqueue(conn=self.conn, now=self.now, messages=[{
            "channel": colleague.channel, "recipient": colleague.user_key, "kind": "notice", "priority": 10,
            "dedupe_key": f"handed:{ticket.id}:{colleague.id}:{self.now.timestamp()}", "batch": f"ticket:{ticket.id}",
            "payload": {"text": first.format(name=self.me.name, id=ticket.id) + "\n" +
                        f"#{ticket.id} · " + self.queue.summary(theirs, handed, self.now).replace("\n", " · ") +
                        Step(self.desk, self.conn, colleague, self.now).history(handed), "rows": []}}])
        self.queue.notice(self.conn, handed, resident.gettext(
            "Your chat was handed over to {name}, a counselor who will continue with you.").format(
            name=colleague.name), self.now, key=f"handed-resident:{ticket.id}:{colleague.id}:{self.now.timestamp()}")
        return self.say(_("#{id} was handed over to {name}.").format(id=ticket.id, name=colleague.name))

    def _clear_current(self, ticket_id: int) -> None:
        if self.me.current_ticket_id == ticket_id:
            held = [t.id for t in tickets.held_by(conn=self.conn, counselor_id=self.me.id) if t.id != ticket_id]
            tickets.update_counselor(conn=self.conn, counselor_id=self.me.id,
                                     current_ticket_id=held[0] if held else None)

    def close_command(self, args: str) -> list[Reply]:
        _ = self._
        ticket = self.mine(self.me.current_ticket_id)
        if ticket is None:
            return self.say(_("You have no open chat to close. /mine shows your chats."))
        words = args.split()
        if not words:
            rows = [[(topic_name(_, topic), token("close", ticket.id, topic))] for topic in CLOSE_TOPICS]
            return self.say(_("Close #{id}: what was it about?").format(id=ticket.id), rows)
        topic = words[0].lower()
        outcome = words[1].lower() if len(words) > 1 else None
        if topic not in CLOSE_TOPICS or (outcome is not None and outcome not in OUTCOMES):
            return self.say(_("Topics: {topics}. Outcomes: {outcomes}. For example: /close labor resolved").format(
                topics=", ".join(CLOSE_TOPICS), outcomes=", ".join(OUTCOMES)))
        return self.close(ticket.id, topic, outcome)

    def close(self, ticket_id: int, topic: str, outcome: str | None) -> list[Reply]:
        _ = self._
        if self.mine(ticket_id) is None:
            return self.not_yours(ticket_id)
        if outcome is None:
            rows = [[(outcome_name(_, o), token("close", ticket_id, topic, o))] for o in OUTCOMES]
            return self.say(_("Close #{id} ({topic}): how did it end?").format(id=ticket_id,
                                                                              topic=topic_name(_, topic)), rows)
        closed = tickets.close(conn=self.conn, ticket_id=ticket_id, counselor_id=self.me.id, topic=topic,
                               outcome=outcome, now=self.now)
        if closed is None:
            return self.not_yours(ticket_id)
        self.audit("close", ticket_id, topic=topic, outcome=outcome)
        self._clear_current(ticket_id)
        resident = translator(closed.locale)
        if closed.resident_id is not None:
            tickets.move_conversation(conn=self.conn, resident_id=closed.resident_id, screen="request.rate",
                                      data={"rate_ticket": closed.id}, now=self.now)
            rows = [[(str(n) + "⭐", f"request.rate|{n}") for n in range(1, 6)],
                    [(resident.gettext("Skip"), "request.rate|skip")]]
            self.queue.notice(self.conn, closed, resident.gettext(
                "✅ Your consultation with the call center is closed. Thank you for writing to us.") + "\n\n" +
                resident.gettext("How helpful was the counselor? Tap a number from 1 (not at all) to 5 (very), or "
                                 "skip."),
                self.now, key=f"closed:{closed.id}", rows=rows)
        return self.say(_("Closed #{id}: {topic}, {outcome}.").format(
            id=ticket_id, topic=topic_name(_, topic), outcome=outcome_name(_, outcome)))

    def canned_menu(self) -> list[Reply]:
        _ = self._
        ticket = self.mine(self.me.current_ticket_id)
        if ticket is None:
            return self.say(_("You have no open chat. /mine shows your chats."))
        rows = [[(text[:40], token("canned", ticket.id, key))] for key, text in canned_replies(_).items()]
        return self.say(_("Send to #{id} (in {language}):").format(
            id=ticket.id, language=AUTONYMS.get(ticket.locale, ticket.locale)), rows)

    # -- buttons -------------------------------------------------------------------------------------------------

    def button(self, parts: list[str]) -> list[Reply]:
        _ = self._
        if len(parts) < 2 or parts[0] != DESK:
            return self.help()
        action, args = parts[1], parts[2:]
        if action == "take" and args and args[0].isdigit():
            return self.take(int(args[0]))
        if action == "switch" and args and args[0].isdigit():
            return self.command("switch", args[0])
        if action == "transfer" and len(args) == 2 and args[0].isdigit():
            return self.transfer(int(args[0]), args[1])
        if action == "close" and args and args[0].isdigit() and len(args) in (2, 3) and args[1] in CLOSE_TOPICS:
            outcome = args[2] if len(args) == 3 and args[2] in OUTCOMES else None
            return self.close(int(args[0]), args[1], outcome)
        if action == "canned" and len(args) == 2 and args[0].isdigit():
            ticket = self.mine(int(args[0]))  # the chat the menu was opened for, whatever is current now
            if ticket is None:
                return self.not_yours(int(args[0]))
            text = canned_replies(translator(ticket.locale)).get(args[1])
            if text is None:
                return self.canned_menu()
            return self.send_to(ticket, {"text": text}, key=f"canned:{ticket.id}:{self.now.timestamp()}")
        return self.say(_("That button belongs to an older message. Here is the queue now.")) + self.show_queue()

    # -- messages for the resident -------------------------------------------------------------------------------

    def relay(self, incoming: Incoming) -> list[Reply]:
        _ = self._
        target = None
        if incoming.reply_to:
            target = tickets.ticket_of_message(conn=self.conn, channel=incoming.channel,
                                               recipient=incoming.user_key, sent_ref=incoming.reply_to)
        if incoming.reply_to and target is None:
            held = tickets.held_by(conn=self.conn, counselor_id=self.me.id)
            if len(held) > 1:  # a reply to something that names no chat: guessing could reach the wrong resident
                return self.say(_("Which chat is this reply for? Nothing was sent: choose a chat below, then send "
                                  "it again.")) + self.show_mine()
        ticket_id = target or self.me.current_ticket_id
        if ticket_id is None:
            return self.say(_("You have no open chat. /queue shows who is waiting, /next takes the next one."))
        ticket = self.mine(ticket_id)
        if ticket is None:
            return self.not_yours(ticket_id)
        media = incoming.media
        if incoming.kind is Kind.LOCATION:
            media = {"type": "location", "latitude": incoming.latitude, "longitude": incoming.longitude}
        if media is not None and media.get("type") not in RELAYED_MEDIA:
            return self.say(_("This kind of message cannot be passed on. Send text, a photo, a document, a voice "
                              "message or a location."))
        if media is not None and (media.get("size") or 0) > MAX_RELAY_BYTES:
            return self.say(_("This file is over 20 MB, too big to pass on. Send a smaller file or a link."))
        text = incoming.text if incoming.kind is Kind.TEXT else ""
        key = f"desk:{incoming.channel}:{incoming.user_key}:{self.now.timestamp()}"
        return self.send_to(ticket, {"text": text, "media": media}, key=key)

    def send_to(self, ticket: TicketRow, message: dict, *, key: str) -> list[Reply]:
        """Pass a message to the ticket's resident; nothing is said back unless something is wrong."""
        _ = self._
        if not ticket.user_key:
            return self.say(_("The resident of #{id} deleted their data; nothing can be sent.").format(id=ticket.id))
        if tickets.resident_unreachable(conn=self.conn, resident_id=ticket.resident_id):
            return self.say(_("The resident of #{id} has blocked the bot; nothing can be sent until they write "
                              "again. Close the chat with /close.").format(id=ticket.id))
        tickets.add_message(conn=self.conn, ticket_id=ticket.id, direction="counselor",
                            kind=(message.get("media") or {}).get("type", "text"), body=message.get("text"),
                            media=message.get("media"), counselor_id=self.me.id, now=self.now)
        self.queue.relay_to_resident(self.conn, ticket, self.me, message, self.now, key=key)
        if self.mine(self.me.current_ticket_id) is None:  # no chat chosen (any more): this one now
            tickets.update_counselor(conn=self.conn, counselor_id=self.me.id, current_ticket_id=ticket.id)
        return []


__all__ = ["COMMANDS", "Desk", "LOCALES", "canned_replies"]
