"""What a channel hands the engine (Incoming) and what it gets back (Reply). No channel library here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

#: Separates the screen from the key in a button token: "menu.main|settings.main".
TOKEN_SEPARATOR = "|"
NAV = "nav"
HOME_TOKEN = f"{NAV}{TOKEN_SEPARATOR}home"
BACK_TOKEN = f"{NAV}{TOKEN_SEPARATOR}back"
START_TOKEN = f"{NAV}{TOKEN_SEPARATOR}start"


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # a button press: `text` holds the token
    COMMAND = "command"  # `text` holds the command name without the slash
    LOCATION = "location"
    MEDIA = "media"  # `text` holds the media type: sticker, photo, voice, document, …


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: str
    user_key: str
    kind: Kind
    text: str = ""
    args: str = ""
    latitude: float | None = None
    longitude: float | None = None
    language_hint: str | None = None
    #: a photo, document, voice message … : {"type", "file_id", "size", "name", "mime"} (the channel's reference)
    media: dict | None = None
    reply_to: str | None = None  # the channel's id of the message this one answers (a counselor's reply)

    def summary(self) -> str:
        """The line stored in the history for this message."""
        match self.kind:
            case Kind.TEXT | Kind.CHOICE:
                return self.text
            case Kind.COMMAND:
                return f"/{self.text} {self.args}".rstrip()
            case Kind.LOCATION:
                return f"[location {self.latitude},{self.longitude}]"
            case _:
                return f"[{self.text or 'media'}]"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    token: str  # short ASCII, at most 64 bytes: Telegram's callback_data limit


@dataclass(frozen=True, slots=True)
class Action:
    """A phone number to call or a link to open, shown with the reply."""

    kind: str  # "call" or "link"
    label: str
    value: str

    @property
    def line(self) -> str:
        """The action as one line of text: "📞 Call center: 1588-5949", or just the label if it has the number."""
        return self.label if self.value in self.label else f"{self.label}: {self.value}"


@dataclass(slots=True)
class Reply:
    text: str
    rows: list[list[Button]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    screen: str = ""

    @property
    def buttons(self) -> list[Button]:
        return [button for row in self.rows for button in row]

    def token_for(self, label: str) -> str:
        """The token of the button with this label (tests and the terminal chat use it)."""
        for button in self.buttons:
            if button.label == label:
                return button.token
        raise KeyError(label)
