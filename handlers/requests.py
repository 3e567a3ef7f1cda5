"""Requests for a person: ask a counselor (topic carried along), and the interpreter-supporter request form."""

from __future__ import annotations

from bot.conversation import Choice, Context, Outcome, Router, View
from bot.i18n import AUTONYMS, LOCALES, korean_time
from bot.services.names import USER_TYPES
from bot.services.names import topic_name as category_name
from bot.services.queue import wait_words
from handlers.common import CALL_CENTER, call_center_action

router = Router("requests")

CONFIRM = "request.confirm"
SENT = "request.sent"  # the request's place in line, live
CHAT = "request.chat"  # a counselor has the chat
RATE = "request.rate"  # after the counselor closed it
HOME = "menu.main"
MAX_NOTE = 1000


def topic_name(ctx: Context, topic: str) -> str:
    return category_name(ctx._, topic)


def consent_line(ctx: Context) -> str:
    if ctx.profile.consented:
        return ""
    return "\n\n" + ctx._(
        "To pass this on, we store your request, your language, your city or county and your messages here, "
        "so that a counselor can read them. By sending it you agree to that. Delete it any time with /delete.")


def ask_counselor(ctx: Context, topic: str, **details: str) -> Outcome:
    """Open the counselor request with its topic (and the card or check it came from) filled in."""
    ctx.data["request"] = {"kind": "counselor", "topic": topic, **details}
    return Outcome(goto=CONFIRM)


def record(ctx: Context, kind: str, topic: str, *, priority: int = 0, details: dict | None = None) -> None:
    """Queue a help request to be saved with this turn (and the consent that sending it gives)."""
    if not ctx.profile.consented:
        ctx.profile.consent, ctx.profile.consent_at = "yes", ctx.now
    ctx.requests.append({"kind": kind, "topic": topic, "priority": priority, "locale": ctx.locale,
                         "region": ctx.profile.region, "details": details or {}})


@router.screen(CONFIRM, free_text=True, replayable=False)
def confirm_request(ctx: Context) -> View:
    """Explain what happens when the resident asks for a counselor."""
    _ = ctx._
    request = ctx.data.get("request") or {"kind": "counselor", "topic": "general"}
    text = _("💬 Talk to a counselor about {topic}").format(topic=topic_name(ctx, request.get("topic", ""))) + \
        "\n\n" + _("Type your question in one message, or tap Send. Your request goes to the call center's "
                   "counselors, who speak your language. To talk right away, call {phone}.").format(phone=CALL_CENTER)
    text += consent_line(ctx)
    # TRANSLATORS: button label, at most 14 characters
    return View(text, [Choice("send", _("✅ Send"))], actions=[call_center_action(ctx)])


@router.text(CONFIRM)
async def request_note(ctx: Context, text: str) -> Outcome:
    """Send the request with the resident's question (typing it is sending it: it is never kept unsent)."""
    return _send(ctx, note=text[:MAX_NOTE])


@router.choice(CONFIRM)
async def send_request(ctx: Context, key: str) -> Outcome | None:
    """Record the counselor request."""
    return _send(ctx) if key == "send" else None


def _send(ctx: Context, note: str | None = None) -> Outcome:
    request = ctx.data.pop("request", None) or {"kind": "counselor", "topic": "general"}
    details = {key: value for key, value in request.items() if key in {"note", "card"}}
    if note:
        details["note"] = f"{details['note']}\n{note}" if details.get("note") else note
    record(ctx, "counselor", request.get("topic", "general"), details=details)
    return Outcome(goto=SENT)


async def queue_lines(ctx: Context) -> str:
    """Where the resident's request stands: place in line and waiting time, or when the center opens."""
    _ = ctx._
    pending = ctx.requests[-1] if ctx.requests else None
    status = await ctx.services.queue_status(pending)
    if status is None:
        return ""
    if status.status == "assigned":
        return _("💬 {name}, a counselor of the call center, has your request. Write your messages here.").format(
            name=status.counselor_name or _("A counselor"))
    if status.opens_at is not None:  # closed now: no waiting time that would run out before the center opens
        lines = [_("⏳ You are number {position} in line for {language} counselors.").format(
            position=status.position, language=AUTONYMS[ctx.locale])]
    else:
        lines = [_("⏳ You are number {position} in line for {language} counselors. Waiting time: {wait}.").format(
            position=status.position, language=AUTONYMS[ctx.locale], wait=wait_words(_, status.wait_minutes))]
    if status.opens_at is not None:
        lines.append(queue_opens_text(ctx, status.opens_at))
    elif status.wait_minutes is None:
        lines.append(_("No counselor for your language is on duty right now; your request is kept and answered "
                       "as soon as one is."))
    lines.append(_("In an emergency, call 119 now."))
    return "\n".join(lines)


def queue_opens_text(ctx: Context, opens_at) -> str:
    _ = ctx._
    when = korean_time(ctx.locale, opens_at)
    return _("The call center is closed now. It opens {when} (Korean time); your request is kept until then.").format(
        when=when)


def user_type_choices(ctx: Context) -> list[Choice]:
    """Who is asking (for the center's statistics): one tap, or skip."""
    _ = ctx._
    ticket = ctx.ticket
    if ctx.data.get("user_type_done") or (ticket is not None and ticket.user_type):
        return []
    # TRANSLATORS: button labels, at most 14 characters each
    return [Choice("type:resident", _("👤 Resident")), Choice("type:employer", _("🏭 Employer")),
            Choice("type:official", _("🏛 Official")), Choice("type:skip", _("Skip"))]


@router.screen(SENT, free_text=True)
async def request_sent(ctx: Context) -> View:
    """Show the request's place in line; typed text is added to it."""
    _ = ctx._
    lines = await queue_lines(ctx)
    if not lines:
        text = _("You have no open request. Ask a counselor from the menu, or call {phone}.").format(
            phone=CALL_CENTER)
        return View(text, [Choice(CONFIRM, _("💬 Counselor"))], actions=[call_center_action(ctx)])
    text = _("✅ Your request was sent to the call center's counselors.") + "\n\n" + lines + "\n\n" + \
        _("Write here to add to your request. A counselor reads it all.")
    choices = user_type_choices(ctx)
    if choices:
        text += "\n\n" + _("Who are you? (for the center's statistics, optional)")
    # TRANSLATORS: button labels, at most 14 characters each
    choices += [Choice("refresh", _("🔄 Refresh")), Choice("cancel", _("❌ Cancel it"))]
    return View(text, choices, columns=2, actions=[call_center_action(ctx)])


@router.text(SENT)
async def add_to_request(ctx: Context, text: str) -> Outcome:
    """Typed text while waiting joins the open request (a burst of messages is one request)."""
    if ctx.ticket is None:
        return Outcome(goto=CONFIRM)
    ctx.ticket_actions.append(("note", {"ticket": ctx.ticket.id, "text": text[:MAX_NOTE]}))
    return Outcome(note=ctx._("✅ Added to your request."))


@router.choice(SENT)
async def request_choice(ctx: Context, key: str) -> Outcome | None:
    _ = ctx._
    if key == "refresh":
        return Outcome()
    if key == "cancel":
        if ctx.ticket is not None:
            ctx.ticket_actions.append(("cancel", {"ticket": ctx.ticket.id}))
        return Outcome(goto=HOME, reset=True, note=_("Your request was cancelled. You can ask again any time."))
    if key.startswith("type:"):
        ctx.data["user_type_done"] = True
        kind = key.removeprefix("type:")
        if kind in USER_TYPES and ctx.ticket is not None:
            ctx.ticket_actions.append(("user_type", {"ticket": ctx.ticket.id, "user_type": kind}))
        return Outcome(note=_("Thank you."))
    return None


@router.screen(CHAT)
async def chat(ctx: Context) -> View:
    """While a counselor has the chat: what to do, and how to end it."""
    _ = ctx._
    name = ctx.ticket.details.get("counselor_name") if ctx.ticket else None
    status = await ctx.services.queue_status()
    if status is None or status.status != "assigned":
        return View(_("The chat with the counselor has ended."), [])
    name = status.counselor_name or name or _("A counselor")
    text = _("💬 You are talking with {name}, a counselor of the call center. Write your messages here; photos, "
             "documents, voice messages and your location are passed on too.").format(name=name)
    # TRANSLATORS: button labels, at most 14 characters each
    return View(text, [Choice("emergency.main", _("🚨 Emergency")), Choice("end", _("❌ End chat"))], columns=2,
                nav=False)


@router.choice(CHAT)
async def end_chat(ctx: Context, key: str) -> Outcome | None:
    if key != "end":
        return None
    if ctx.ticket is not None:
        ctx.ticket_actions.append(("cancel", {"ticket": ctx.ticket.id}))
    return Outcome(goto=HOME, reset=True, note=ctx._("The chat has ended. You can ask again any time."))


@router.screen(RATE)
def rate(ctx: Context) -> View:
    """Ask for a 1–5 rating of the consultation just closed (one tap, optional)."""
    _ = ctx._
    text = _("How helpful was the counselor? Tap a number from 1 (not at all) to 5 (very), or skip.")
    choices = [Choice(str(n), "⭐" * n) for n in range(1, 6)] + [Choice("skip", _("Skip"))]
    return View(text, choices, columns=5)


@router.choice(RATE)
async def save_rating(ctx: Context, key: str) -> Outcome | None:
    _ = ctx._
    ticket_id = ctx.data.get("rate_ticket")
    if key == "skip":
        return Outcome(goto=HOME, reset=True)
    if key in {"1", "2", "3", "4", "5"} and ticket_id:
        ctx.ticket_actions.append(("rate", {"ticket": ticket_id, "rating": int(key)}))
        return Outcome(goto=HOME, reset=True, note=_("Thank you for your rating."))
    return None


@router.command("counselor")
async def counselor_command(ctx: Context, _args: str) -> Outcome:
    """Ask for a counselor (or see the request already open)."""
    if ctx.ticket is not None:
        return Outcome(goto=CHAT if ctx.ticket.status == "assigned" else SENT)
    return ask_counselor(ctx, "general")


#: Commands of the counselors' desk: a resident who types one is told politely, and sees nothing of the queue.
DESK_COMMANDS = ("queue", "take", "next", "mine", "switch", "note", "transfer", "close", "canned", "on", "off")


async def refuse_desk_command(ctx: Context, _args: str) -> Outcome:
    """Tell a resident (not a counselor) politely that this command is not for them."""
    return Outcome(note=ctx._("This command is for the call center's counselors. If you need help, tap 💬 "
                              "Counselor or call {phone}.").format(phone=CALL_CENTER))


for _name in DESK_COMMANDS:
    router.command(_name)(refuse_desk_command)


# -- interpreter supporters -------------------------------------------------------------------------------------

WHERE, WHEN, LANGUAGE, PURPOSE, REVIEW, DONE = (
    "interp.where", "interp.when", "interp.language", "interp.purpose", "interp.review", "interp.sent")
router.flow("interpreter_request", WHERE)

PLACES = ("hospital", "office", "police", "school", "other")
TIMES = ("today", "tomorrow", "week", "later")


def place_names(ctx: Context) -> dict[str, str]:
    _ = ctx._
    # TRANSLATORS: button labels, at most 14 characters each
    return {"hospital": _("🏥 Hospital"), "office": _("🏢 Office"), "police": _("🚓 Police"),
            "school": _("🏫 School"), "other": _("Other place")}


def time_names(ctx: Context) -> dict[str, str]:
    _ = ctx._
    # TRANSLATORS: button labels, at most 14 characters each
    return {"today": _("Today"), "tomorrow": _("Tomorrow"), "week": _("This week"), "later": _("Later")}


def form(ctx: Context) -> dict:
    return ctx.data.setdefault("interpreter", {})


@router.screen(WHERE)
def ask_place(ctx: Context) -> View:
    """Ask where the interpreter is needed."""
    _ = ctx._
    text = _("🗣 Interpreter request\n\nThe call center's interpretation supporters can go with you to a hospital, "
             "a public office, the police or a school. Answer four short questions.\n\n1/4 Where do you need an "
             "interpreter?")
    if not ctx.profile.consented:
        text += "\n\n" + _("To arrange it, we store your answers, your language and your city or county, so that the "
                           "call center can read them. By answering you agree to that. Delete it any time with "
                           "/delete.")
    return View(text, [Choice(key, label) for key, label in place_names(ctx).items()], columns=2)


@router.choice(WHERE)
async def save_place(ctx: Context, key: str) -> Outcome | None:
    if key not in PLACES:
        return None
    if not ctx.profile.consented:  # answering after reading the notice above is agreeing to it
        ctx.profile.consent, ctx.profile.consent_at = "yes", ctx.now
    form(ctx)["place"] = key
    return Outcome(goto=WHEN)


@router.screen(WHEN, free_text=True)
def ask_time(ctx: Context) -> View:
    """Ask when."""
    _ = ctx._
    text = _("2/4 When? Tap a button, or type the day and time (for example: Monday 10:00).")
    return View(text, [Choice(key, label) for key, label in time_names(ctx).items()], columns=2)


@router.choice(WHEN)
async def save_time(ctx: Context, key: str) -> Outcome | None:
    if key not in TIMES:
        return None
    form(ctx)["when"] = key
    return Outcome(goto=LANGUAGE)


@router.text(WHEN)
async def typed_time(ctx: Context, text: str) -> Outcome:
    form(ctx)["when"] = text[:200]
    return Outcome(goto=LANGUAGE)


@router.screen(LANGUAGE)
def ask_language(ctx: Context) -> View:
    """Ask which language the interpreter should speak."""
    _ = ctx._
    choices = [Choice(ctx.locale, AUTONYMS[ctx.locale])]
    choices += [Choice(locale, AUTONYMS[locale]) for locale in LOCALES if locale not in {ctx.locale, "en", "ko"}]
    return View(_("3/4 Which language should the interpreter speak?"), choices, columns=2)


@router.choice(LANGUAGE)
async def save_language(ctx: Context, key: str) -> Outcome | None:
    if key not in LOCALES:
        return None
    form(ctx)["language"] = key
    return Outcome(goto=PURPOSE)


@router.screen(PURPOSE, free_text=True)
def ask_purpose(ctx: Context) -> View:
    """Ask what the visit is for."""
    _ = ctx._
    question = _("4/4 What is it for? Type a few words (for example: a check-up, a visa interview), or skip.")
    # TRANSLATORS: button label, at most 14 characters
    return View(question, [Choice("skip", _("Skip"))])


@router.text(PURPOSE)
async def typed_purpose(ctx: Context, text: str) -> Outcome:
    form(ctx)["purpose"] = text[:MAX_NOTE]
    return Outcome(goto=REVIEW)


@router.choice(PURPOSE)
async def skip_purpose(ctx: Context, key: str) -> Outcome | None:
    if key != "skip":
        return None
    form(ctx).pop("purpose", None)
    return Outcome(goto=REVIEW)


def summary(ctx: Context, answers: dict) -> str:
    _ = ctx._
    when = answers.get("when", "")
    lines = [
        _("Where: {place}").format(place=place_names(ctx).get(answers.get("place", ""), "—")),
        _("When: {time}").format(time=time_names(ctx).get(when, when) or "—"),
        _("Language: {language}").format(language=AUTONYMS.get(answers.get("language", ""), "—")),
        _("What for: {purpose}").format(purpose=answers.get("purpose") or "—"),
    ]
    return "\n".join(lines)


@router.screen(REVIEW, replayable=False)
def review(ctx: Context) -> View:
    """Show the answers and ask to send them."""
    _ = ctx._
    answers = ctx.data.get("interpreter", {})
    if not {"place", "when", "language"} <= answers.keys():
        return View(_("Some answers are missing. Please start the request again."),
                    [Choice(WHERE, _("Start again"))])
    text = _("Please check your request:") + "\n\n" + summary(ctx, answers) + consent_line(ctx)
    return View(text, [Choice("send", _("✅ Send"))])


@router.choice(REVIEW)
async def send_interpreter_request(ctx: Context, key: str) -> Outcome | None:
    if key != "send" or not {"place", "when", "language"} <= form(ctx).keys():
        return None
    answers = ctx.data.pop("interpreter")
    record(ctx, "interpreter", "interpreter", details=answers)
    ctx.data["interpreter_sent"] = answers
    return Outcome(goto=DONE)


@router.screen(DONE)
async def interpreter_sent(ctx: Context) -> View:
    """Confirm the interpreter request, with its place in line."""
    _ = ctx._
    answers = ctx.data.get("interpreter_sent", {})
    text = _("✅ Your interpreter request has been recorded. The call center will contact you here or by phone to "
             "arrange it. Questions: {phone}.").format(phone=CALL_CENTER)
    if answers:
        text += "\n\n" + summary(ctx, answers)
    lines = await queue_lines(ctx)
    if lines:
        text += "\n\n" + lines
    return View(text, actions=[call_center_action(ctx)])
