"""Names of the queue's categories in a reader's language: topics, kinds of request, user types, outcomes, areas.

Used by the resident's screens, the counselors' desk and the statistics alike (one word per thing, everywhere)."""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]

#: Categories a counselor closes a consultation with (the ones the call center reports).
CLOSE_TOPICS = ("immigration", "labor", "medical", "welfare", "daily", "legal", "korean", "housing", "tax", "other")
OUTCOMES = ("resolved", "referred", "callback", "no_reply")
USER_TYPES = ("resident", "employer", "official")


def topic_name(_: Translate, topic: str | None) -> str:
    names = {
        "immigration": _("visa and immigration"), "labor": _("work and labor rights"),
        "medical": _("medical care"), "welfare": _("welfare and family support"), "daily": _("daily life"),
        "emergency": _("an emergency"), "interpreter": _("an interpreter"), "legal": _("legal questions"),
        "korean": _("learning Korean"), "housing": _("housing"), "tax": _("taxes"), "other": _("something else"),
    }
    return names.get(topic or "", _("your question"))


def kind_name(_: Translate, kind: str) -> str:
    names = {"counselor": _("question for a counselor"), "urgent": _("urgent call-back"),
             "interpreter": _("interpreter request")}
    return names.get(kind, kind)


def user_type_name(_: Translate, user_type: str | None) -> str:
    names = {"resident": _("foreign resident"), "employer": _("employer"), "official": _("official or other")}
    return names.get(user_type or "", _("not said"))


def outcome_name(_: Translate, outcome: str | None) -> str:
    names = {"resolved": _("answered"), "referred": _("referred elsewhere"), "callback": _("will call back"),
             "no_reply": _("no reply from the resident")}
    return names.get(outcome or "", outcome or "")


def with_korean(locale: str, name: str, korean: str) -> str:
    """A name in the reader's language with its Korean name, as signs and offices show it: "X (한국어)"; once for
    a Korean reader."""
    return name if locale == "ko" or name == korean else f"{name} ({korean})"


def area_name(_: Translate, content, region: str | None) -> str:
    """A city or county of the served content: its name in the reader's language and in Korean."""
    if region == "outside":
        return _("outside Jeollanam-do")
    found = content.region(region) if content is not None else None
    if found is None:
        return _("area not given")
    name = _(found.name)
    return found.ko if any("가" <= char <= "힣" for char in name) else f"{name} {found.ko}"  # Korean once
