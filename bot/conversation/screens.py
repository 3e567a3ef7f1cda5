"""Screens and the router that registers them; the context a handler sees and the outcome it returns."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.conversation.messages import Action
from bot.i18n import Translator, translator

if TYPE_CHECKING:
    from bot.content import Content
    from bot.settings import Settings


@dataclass(slots=True)
class Choice:
    key: str  # a screen name to go to, or an action key the screen's choice handler understands
    label: str


@dataclass(slots=True)
class View:
    """What a screen shows. The engine adds the Back/Home row and turns keys into tokens."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    columns: int = 1
    actions: list[Action] = field(default_factory=list)
    nav: bool = True


@dataclass(slots=True)
class Outcome:
    goto: str | None = None  # None: stay on the current screen
    note: str | None = None  # translated text shown above the next screen
    reset: bool = False  # clear the Back stack
    back: bool = False  # go to the previous screen


@dataclass(slots=True)
class Profile:
    """The resident's stored choices; handlers change these, the engine saves them."""

    locale: str | None
    region: str | None
    consent: str | None
    consent_at: datetime | None

    @property
    def consented(self) -> bool:
        return self.consent == "yes"


class Services:
    """Look-ups handlers may need during a turn; the engine binds them to its database connection."""

    async def history_count(self) -> int:
        return 0

    async def subscription(self):
        """The resident's alert subscription (bot.storage.alerts.SubscriptionRow), or None."""
        return None

    async def reminders(self) -> dict:
        """The resident's reminders by kind."""
        return {}

    async def queue_status(self, pending: dict | None = None):
        """The place in line of the resident's open ticket, or of the request `pending` in this turn
        (bot.services.queue.QueueStatus); None when there is neither."""
        return None


@dataclass
class Context:
    translator: Translator
    profile: Profile
    data: dict[str, Any]
    content: Content
    settings: Settings
    now: datetime
    channel: str
    services: Services = field(default_factory=Services)
    flows: dict[str, str] = field(default_factory=dict)  # flow id → entry screen, for content menus
    screen: str = ""  # the screen the resident is on when the message arrives
    param: str = ""  # for a family screen such as "card:visa_e9": the part after the colon
    requests: list[dict[str, Any]] = field(default_factory=list)  # help requests to record with this turn
    ticket: Any = None  # the resident's open ticket (bot.storage.tickets.TicketRow), as loaded for this turn
    ticket_actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # cancel, note, user_type, rate
    relay: dict[str, Any] | None = None  # what the resident sent, for the counselor who has their ticket
    changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # alerts and reminders to save
    forget_history: bool = False  # set when consent is withdrawn
    forget_everything: bool = False  # set when the resident deletes their data

    @property
    def _(self) -> Translator:
        return self.translator

    @property
    def locale(self) -> str:
        return self.translator.locale

    def set_locale(self, locale: str) -> None:
        self.profile.locale = locale
        self.translator = translator(locale)


ViewFn = Callable[[Context], "View | Awaitable[View]"]
ChoiceFn = Callable[[Context, str], Awaitable["Outcome | None"]]
TextFn = Callable[[Context, str], Awaitable["Outcome | None"]]
CommandFn = Callable[[Context, str], Awaitable[Outcome]]
LocationFn = Callable[[Context, float, float], Awaitable["Outcome | None"]]


@dataclass
class Screen:
    name: str
    view: ViewFn
    replayable: bool = True  # a button on an older copy of this screen may still act
    free_text: bool = False  # typed text is the resident's answer here: the screen keeps it before global hooks look
    search: bool = True  # typed text this screen does not understand goes to the fallback (the search)
    exists: Callable[[Context], bool] | None = None  # a family: is ctx.param one of its members?
    on_choice: ChoiceFn | None = None
    on_text: TextFn | None = None

    async def render(self, ctx: Context) -> View:
        result = self.view(ctx)
        return await result if inspect.isawaitable(result) else result


class Router:
    """Collects one domain's screens, choice and text handlers, and commands."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.screens: dict[str, Screen] = {}
        self.commands: dict[str, CommandFn] = {}
        self.before_text: list[TextFn] = []
        self.fallback_text: list[TextFn] = []
        self.location_handlers: list[LocationFn] = []
        self.flows: dict[str, str] = {}

    def screen(self, name: str, *, replayable: bool = True, free_text: bool = False, search: bool = True,
               exists: Callable[[Context], bool] | None = None) -> Callable[[ViewFn], ViewFn]:
        """Register the view of a screen; a name ending in ":*" registers a family ("card:*" serves "card:x"),
        which says with `exists` which parameters (ctx.param) are its members."""
        if name.endswith(":*") != (exists is not None):
            raise ValueError(f"screen {name}: a family (name:*) needs `exists`, and only a family has it")

        def register(fn: ViewFn) -> ViewFn:
            if name in self.screens:
                raise ValueError(f"screen {name} registered twice")
            self.screens[name] = Screen(name, fn, replayable=replayable, free_text=free_text, search=search,
                                        exists=exists)
            return fn

        return register

    def choice(self, name: str) -> Callable[[ChoiceFn], ChoiceFn]:
        """Register what a screen does with a button key that is not a screen name."""

        def register(fn: ChoiceFn) -> ChoiceFn:
            self.screens[name].on_choice = fn
            return fn

        return register

    def text(self, name: str) -> Callable[[TextFn], TextFn]:
        """Register what a screen does with typed text."""

        def register(fn: TextFn) -> TextFn:
            self.screens[name].on_text = fn
            return fn

        return register

    def command(self, name: str) -> Callable[[CommandFn], CommandFn]:
        def register(fn: CommandFn) -> CommandFn:
            self.commands[name] = fn
            return fn

        return register

    def text_first(self, fn: TextFn) -> TextFn:
        """Register a look at every typed text before the screen's own handler (emergency words)."""
        self.before_text.append(fn)
        return fn

    def text_fallback(self, fn: TextFn) -> TextFn:
        """Register what happens to typed text that no screen understood (the free-text search)."""
        self.fallback_text.append(fn)
        return fn

    def location(self, fn: LocationFn) -> LocationFn:
        """Register what happens to a shared location."""
        self.location_handlers.append(fn)
        return fn

    def flow(self, flow_id: str, entry: str) -> None:
        """Name a flow that content menus may point to (data/menus.yaml `flow:`)."""
        self.flows[flow_id] = entry


class Registry:
    """All routers, in the order written in handlers/__init__.py."""

    def __init__(self, routers: list[Router], *, home: str, welcome: str) -> None:
        self.routers = routers
        self.screens: dict[str, Screen] = {}
        self.commands: dict[str, CommandFn] = {}
        self.before_text = [fn for router in routers for fn in router.before_text]
        self.fallback_text = [fn for router in routers for fn in router.fallback_text]
        self.location_handlers = [fn for router in routers for fn in router.location_handlers]
        self.flows = {flow: entry for router in routers for flow, entry in router.flows.items()}
        for router in routers:
            for name, screen in router.screens.items():
                if name in self.screens:
                    raise ValueError(f"screen {name} registered by two routers")
                self.screens[name] = screen
            for name, fn in router.commands.items():
                if name in self.commands:
                    raise ValueError(f"command /{name} registered by two routers")
                self.commands[name] = fn
        for required in (home, welcome):
            if required not in self.screens:
                raise ValueError(f"screen {required} is not registered")
        self.home = home
        self.welcome = welcome
        for flow, entry in self.flows.items():
            if self.resolve(entry) is None:
                raise ValueError(f"flow {flow} starts at unknown screen {entry}")

    def resolve(self, name: str | None) -> tuple[Screen, str] | None:
        """The screen serving `name` and its parameter ("" for a plain screen), or None."""
        if not name:
            return None
        screen = self.screens.get(name)
        if screen is not None and not name.endswith(":*"):
            return screen, ""
        family, sep, param = name.partition(":")
        if sep and param and param != "*":
            screen = self.screens.get(f"{family}:*")
            if screen is not None:
                return screen, param
        return None
