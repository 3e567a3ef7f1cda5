"""Button labels longer than KakaoTalk's 14 characters (counted as Kakao counts them: UTF-16 code units).

Renders every screen of the bot (as tests/test_flows.py does) in the given locales and prints each label that does
not fit, with its length. For translators: `python scripts/label_report.py km th` (reads the .po files directly, so
it needs no compiled catalogs and writes nothing).
"""

from __future__ import annotations

import asyncio
import gettext
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Screens whose buttons name languages in themselves, and search results (a list card on KakaoTalk).
EXEMPT = {"onboard.language", "interp.language"}


def translator_from_po(locale: str):
    """A Translator built from the .po file in memory (no .mo written)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from bot.i18n import Translator

    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translator(locale, gettext.GNUTranslations(buffer))


def busy_services(content):
    """Look-ups of a resident who has set up everything — subscribed to every area and the sea, one kind of warning
    off, both reminders, a request in line — so that screens show the buttons they only show then."""
    from datetime import date
    from types import SimpleNamespace

    from bot.conversation.screens import Services
    from bot.services.queue import QueueStatus
    from bot.storage.alerts import SubscriptionRow

    zones = tuple(sorted({code for region in content.served_regions
                          for code in (region.kma_zone, region.sea_zone) if code}))

    class Busy(Services):
        async def subscription(self):
            return SubscriptionRow(1, zones, (next(iter(content.hazards)),), True, True)

        async def reminders(self) -> dict:
            return {"stay": SimpleNamespace(kind="stay", due_date=date(2027, 3, 15), day_of_month=None),
                    "insurance": SimpleNamespace(kind="insurance", due_date=None, day_of_month=10)}

        async def queue_status(self, pending: dict | None = None):
            return QueueStatus(1, "waiting", 3, 15, True, None)

    return Busy()


async def report(locales: list[str]) -> int:
    from bot.content import ContentStore, kakao_length
    from bot.content.models import LABEL_LIMIT
    from bot.conversation.screens import Context, Profile
    from bot.settings import Settings
    from bot.storage.types import utcnow
    from handlers import build_registry

    registry = build_registry()
    content = ContentStore(flows=registry.flows, snapshots=None).current
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=None)
    from bot.app import create_app

    app = create_app(settings, content=ContentStore(flows=registry.flows, snapshots=None, content=content))
    names = [name for name in registry.screens if not name.endswith(":*")]
    names += [f"card:{card_id}" for card_id in content.cards] + [f"menu:{menu_id}" for menu_id in content.menus]
    names += ["area:medical.hospitals", "area:emergency.nearest", "area:immigration.office"]
    found = 0
    for locale in locales:
        _ = translator_from_po(locale)
        seen: set[str] = set()
        for screen in names:
            labels = []
            for services in (None, busy_services(content)):  # a new resident, and one with everything set up
                ctx = Context(translator=_, profile=Profile(locale, "yeongam", "yes", utcnow()), data={},
                              content=content, settings=settings, now=utcnow(), channel="test", flows=registry.flows)
                if services is not None:
                    ctx.services = services
                try:
                    reply = await app.engine.render(ctx, screen)
                except Exception as exc:
                    print(f"[{locale}] {screen}: cannot render ({type(exc).__name__})")
                    continue
                labels += [a.label for a in reply.actions]
                if screen not in EXEMPT:
                    labels += [b.label for b in reply.buttons]
            for label in labels:
                if kakao_length(label) > LABEL_LIMIT and label not in seen:
                    seen.add(label)
                    found += 1
                    print(f"[{locale}] {kakao_length(label):2d} > {LABEL_LIMIT}: {label!r}  (screen {screen})")
    await app.db.dispose()
    return found


def main() -> None:
    from bot.i18n import LOCALES

    locales = sys.argv[1:] or list(LOCALES)
    found = asyncio.run(report(locales))
    print(f"{found} label(s) too long for KakaoTalk.")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
