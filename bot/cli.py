"""Command line: python -m bot run | chat | db upgrade | i18n compile | purge."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import timedelta
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.i18n import LOCALES, compile_catalogs
from bot.settings import Settings

cli = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
db_cli = typer.Typer(no_args_is_help=True, help="Database migrations (Alembic).")
i18n_cli = typer.Typer(no_args_is_help=True, help="Translation catalogs.")
cli.add_typer(db_cli, name="db")
content_cli = typer.Typer(no_args_is_help=True, help="Content in data/: check and publish.")
cli.add_typer(i18n_cli, name="i18n")
cli.add_typer(content_cli, name="content")
counselor_cli = typer.Typer(no_args_is_help=True, help="Counselors who answer residents (the desk).")
cli.add_typer(counselor_cli, name="counselor")

log = logging.getLogger("bot")


def load_settings() -> Settings:
    """Build the settings once, or explain clearly what is wrong with the configuration."""
    try:
        return Settings()
    except ValidationError as exc:
        typer.echo("Configuration error:", err=True)
        for error in exc.errors():
            name = error.get("loc", ["?"])[0]
            alias = Settings.model_fields[name].alias if name in Settings.model_fields else name
            typer.echo(f"  {alias}: {error['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from None


def prepare_database(settings: Settings) -> None:
    """Before the bot talks to the database: migrate the embedded SQLite file, or stop with one clear line."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage import migrate

    try:
        note = migrate.ensure_schema(settings.database_url, migrate=settings.is_sqlite)
    except migrate.SchemaNotReady as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        typer.echo(f"Cannot open the database ({type(reason).__name__}: {str(reason).splitlines()[0]}). "
                   "Check DATABASE_URL and that the database is reachable and writable.", err=True)
        raise typer.Exit(2) from None
    if note:
        log.info("%s", note)


@cli.command()
def run(
    fallback_chat: Annotated[bool, typer.Option(
        "--fallback-chat", help="Start the terminal chat when no channel is configured.")] = False,
) -> None:
    """Start every configured channel (Telegram long polling when TELEGRAM_BOT_TOKEN is set)."""
    from bot.app import configure_logging
    from bot.runner import run_channels

    settings = load_settings()
    configure_logging(settings)
    compile_catalogs()
    prepare_database(settings)
    if settings.telegram_bot_token is None:
        typer.echo(
            "No channel is configured. To connect Telegram, create a bot with @BotFather and put\n"
            "  TELEGRAM_BOT_TOKEN=123456789:AA…\n"
            "in a .env file next to the Makefile (or in the environment), then run `make run` again."
        )
        if fallback_chat:
            typer.echo("Starting the terminal chat instead (type a number to press a button, `quit` to leave).\n")
            _chat(settings, user="local", lang=None)
            return
        raise typer.Exit(1)
    from bot.content import ContentError
    from bot.runner import BotStopped

    try:
        asyncio.run(run_channels(settings))
    except BotStopped as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except ContentError as exc:
        _no_content(exc)


@cli.command()
def chat(
    lang: Annotated[str | None, typer.Option(help=f"Language: {', '.join(LOCALES)}")] = None,
    user: Annotated[str, typer.Option(help="Terminal user key (keeps separate conversations).")] = "local",
) -> None:
    """Talk to the bot in this terminal, with the same flows and database."""
    from bot.app import configure_logging

    settings = load_settings()
    configure_logging(settings, "WARNING" if settings.log_level == "INFO" else settings.log_level)
    compile_catalogs()
    if lang is not None and lang not in LOCALES:
        typer.echo(f"Unknown language {lang!r}. Choose one of: {', '.join(LOCALES)}", err=True)
        raise typer.Exit(2)
    prepare_database(settings)
    _chat(settings, user=user, lang=lang)


def _chat(settings: Settings, *, user: str, lang: str | None) -> None:
    from bot.app import create_app
    from bot.channels.terminal import CHANNEL, chat
    from bot.storage import crud
    from bot.storage.types import utcnow

    async def main() -> None:
        app = create_app(settings)
        try:
            if lang is not None:
                await app.db.write(crud.set_locale, channel=CHANNEL, user_key=user, locale=lang, now=utcnow())
            await chat(app.engine, user_key=user, hint=lang)
        finally:
            await app.close()

    from bot.content import ContentError

    try:
        asyncio.run(main())
    except ContentError as exc:
        _no_content(exc)


def _no_content(exc) -> None:
    """No good content to serve: no published snapshot, and data/ does not pass the check."""
    for problem in exc.problems:
        typer.echo(f"ERROR {problem}", err=True)
    typer.echo("No content can be served: nothing was published yet and data/ has the errors above. Fix them, then "
               "run: python -m bot content publish", err=True)
    raise typer.Exit(2) from None


@cli.command()
def purge() -> None:
    """Delete residents not seen for RETENTION_DAYS days, with their state and history."""
    from bot.app import create_app
    from bot.storage import crud
    from bot.storage.types import utcnow

    settings = load_settings()
    prepare_database(settings)

    async def main() -> int:
        app = create_app(settings)
        try:
            return await app.db.write(crud.purge_inactive, before=utcnow() - timedelta(days=settings.retention_days))
        finally:
            await app.close()

    typer.echo(f"Deleted {asyncio.run(main())} inactive resident(s).")


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from bot.storage import migrate

    migrate.upgrade(load_settings().database_url, revision)


@db_cli.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from bot.storage import migrate

    migrate.downgrade(load_settings().database_url, revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    from bot.storage import migrate

    migrate.current(load_settings().database_url)


@db_cli.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Autogenerate a new migration from the models."""
    from bot.storage import migrate

    migrate.revision(load_settings().database_url, message)


@i18n_cli.command("compile")
def i18n_compile(force: bool = False) -> None:
    """Compile translations/*/LC_MESSAGES/messages.po into .mo files."""
    written = compile_catalogs(force=force)
    typer.echo(f"Compiled {len(written)} catalog(s).")


@i18n_cli.command("fill-source")
def i18n_fill_source() -> None:
    """Copy every msgid into the English (source) catalog."""
    from bot.catalogs import fill_source_catalog

    typer.echo(f"Filled {fill_source_catalog()} English message(s).")


@i18n_cli.command("check")
def i18n_check(locale: Annotated[list[str] | None, typer.Argument()] = None) -> None:
    """Check catalogs: complete, no fuzzy, placeholders intact, right script and Plural-Forms."""
    from bot.catalogs import check_all

    problems = [p for p in check_all() if not locale or p.locale in locale]
    for problem in problems:
        typer.echo(str(problem))
    typer.echo(f"{len(problems)} problem(s).")
    raise typer.Exit(1 if problems else 0)



def _content_report(publish_it: bool) -> None:
    from bot.content import ContentError, load_content, publish
    from bot.content.check import check_content
    from bot.storage.types import utcnow
    from handlers import build_registry

    settings = load_settings()
    compile_catalogs()
    flows = build_registry().flows
    try:
        content = load_content(flows=flows)
    except ContentError as exc:
        for problem in exc.problems:
            typer.echo(f"ERROR {problem}", err=True)
        typer.echo(f"{len(exc.problems)} error(s); nothing was published, the bot keeps its current content.",
                   err=True)
        raise typer.Exit(1) from None
    today = utcnow().astimezone(settings.tz).date()
    report = check_content(content, today=today)
    for warning in report.warnings:
        typer.echo(f"WARNING {warning}")
    for error in report.errors:
        typer.echo(f"ERROR {error}", err=True)
    if report.errors:
        typer.echo(f"{len(report.errors)} error(s); nothing was published, the bot keeps its current content.",
                   err=True)
        raise typer.Exit(1)
    typer.echo(f"OK: {len(content.cards)} cards, {len(content.menus)} menus, {len(content.hospitals)} hospitals, "
               f"{len(content.offices)} offices, {len(content.hotlines)} hotlines, {len(content.phrases)} phrases; "
               f"{len(report.warnings)} warning(s).")
    if publish_it:
        publish(flows=flows, snapshots=settings.snapshots, today=today)
        typer.echo("Published: the running bot serves this content within a minute (and after every restart).")


@content_cli.command("check")
def content_check() -> None:
    """Check every content file, its sources and dates, and every label in every language."""
    _content_report(publish_it=False)


@content_cli.command("publish")
def content_publish() -> None:
    """Check the content and, if it is good, have the running bot serve it."""
    _content_report(publish_it=True)

def _with_db(fn):
    """Run fn(app) on the configured database (migrated or stopped with one line)."""
    from bot.app import create_app

    settings = load_settings()
    prepare_database(settings)

    async def main():
        from bot.content import ContentStore
        from handlers import build_registry

        app = create_app(settings, content=ContentStore(flows=build_registry().flows, snapshots=None))
        try:
            return await fn(app)
        finally:
            await app.close()

    return asyncio.run(main())


@counselor_cli.command("add")
def counselor_add(
    name: Annotated[str, typer.Option(help="The name residents see.")],
    languages: Annotated[str, typer.Option(help=f"Comma-separated: {', '.join(LOCALES)}")],
    telegram_id: Annotated[int, typer.Option("--telegram-id", help="The counselor's numeric Telegram user id.")],
    supervisor: Annotated[bool, typer.Option("--supervisor")] = False,
    ui: Annotated[str, typer.Option("--ui", help="Language of the counselor's own screens.")] = "ko",
) -> None:
    """Register a counselor (or update one with the same Telegram id)."""
    from bot.storage import tickets
    from bot.storage.types import utcnow

    wanted = [part.strip() for part in languages.split(",") if part.strip()]
    aliases = {"zh": "zh_Hans", "uz": "uz_Latn", "tl": "fil"}
    wanted = [aliases.get(code, code) for code in wanted]
    unknown = [code for code in wanted if code not in LOCALES]
    if unknown or not wanted:
        typer.echo(f"Unknown language(s): {', '.join(unknown) or 'none given'}. Use: {', '.join(LOCALES)}", err=True)
        raise typer.Exit(2)
    if ui not in LOCALES:
        typer.echo(f"Unknown --ui language {ui!r}. Use: {', '.join(LOCALES)}", err=True)
        raise typer.Exit(2)
    if not name.strip() or len(name) > 64 or telegram_id <= 0:
        typer.echo("Give a name (at most 64 characters) and a positive Telegram id.", err=True)
        raise typer.Exit(2)

    async def add(app):
        def write(*, conn):
            found = tickets.counselor_by_key(conn=conn, channel="telegram", user_key=str(telegram_id))
            now = utcnow()
            if found is not None:
                tickets.update_counselor(conn=conn, counselor_id=found.id, name=name.strip(), languages=wanted,
                                         supervisor=supervisor, locale=ui, active=True)
                tickets.record_audit(conn=conn, actor="cli", action="counselor_update", now=now,
                                     detail={"counselor": found.id})
                return found.id, False
            new_id = tickets.add_counselor(conn=conn, name=name.strip(), languages=wanted, channel="telegram",
                                           user_key=str(telegram_id), supervisor=supervisor, locale=ui, now=now)
            tickets.record_audit(conn=conn, actor="cli", action="counselor_add", now=now, detail={"counselor": new_id})
            return new_id, True

        return await app.db.write(write)

    counselor_id, created = _with_db(add)
    typer.echo(f"{'Added' if created else 'Updated'} counselor {counselor_id}: {name.strip()} "
               f"({', '.join(wanted)}){' [supervisor]' if supervisor else ''}. The running bot knows within 15 s.")


@counselor_cli.command("list")
def counselor_list() -> None:
    """List the counselors."""
    from bot.storage import tickets

    rows = _with_db(lambda app: app.db.read(tickets.all_counselors))
    if not rows:
        typer.echo("No counselors yet. Add one: python -m bot counselor add --name … --languages vi --telegram-id N")
        return
    for row in rows:
        state = "active" if row.active else "disabled"
        duty = "on duty" if row.on_duty else "off duty"
        role = " supervisor" if row.supervisor else ""
        typer.echo(f"{row.id:>4}  {row.name:<20} {','.join(row.languages):<24} {row.channel}:{row.user_key:<14} "
                   f"{state}, {duty}{role}")


@counselor_cli.command("disable")
def counselor_disable(counselor_id: int) -> None:
    """Disable a counselor: they can do nothing more; their history stays."""
    from bot.storage import tickets
    from bot.storage.types import utcnow

    async def disable(app):
        def write(*, conn):
            done = tickets.update_counselor(conn=conn, counselor_id=counselor_id, active=False, on_duty=False)
            if done:
                tickets.record_audit(conn=conn, actor="cli", action="counselor_disable", now=utcnow(),
                                     detail={"counselor": counselor_id})
                now = utcnow()
                for ticket in tickets.held_by(conn=conn, counselor_id=counselor_id):
                    if not tickets.hand_over(conn=conn, ticket_id=ticket.id, from_id=counselor_id, to_id=None,
                                             now=now):
                        continue
                    tickets.record_audit(conn=conn, actor="cli", action="transfer", ticket_id=ticket.id, now=now,
                                         detail={"to": "queue", "from": counselor_id})
                    app.queue.back_in_line(conn, ticket.id, now)  # as when a counselor sends a chat back
            return done

        return await app.db.write(write)

    if not _with_db(disable):
        typer.echo(f"No counselor {counselor_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Counselor {counselor_id} disabled; their open chats went back to the queue.")


@cli.command()
def stats(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (Korean time).")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included).")],
    by: Annotated[str, typer.Option(help="Comma-separated: month,language,area,topic,channel,user_type,kind,"
                                         "status")] = "",
    csv_file: Annotated[str | None, typer.Option("--csv", help="Also write the table to this CSV file.")] = None,
) -> None:
    """Consultations: counts, average wait and handling time (minutes) and ratings, grouped as asked."""
    from datetime import timedelta as days

    from bot import stats as report
    from bot.storage import tickets

    settings = load_settings()
    dimensions = [part.strip() for part in by.split(",") if part.strip()]
    wrong = [d for d in dimensions if d not in report.DIMENSIONS]
    if wrong:
        typer.echo(f"Unknown --by {', '.join(wrong)}; use: {', '.join(report.DIMENSIONS)}", err=True)
        raise typer.Exit(2)
    try:
        first, last = report.parse_day(start, settings.tz), report.parse_day(end, settings.tz) + days(days=1)
    except ValueError:
        typer.echo("Dates are YYYY-MM-DD, for example --from 2026-01-01 --to 2026-01-31", err=True)
        raise typer.Exit(2) from None
    if last <= first:
        typer.echo("--to is before --from.", err=True)
        raise typer.Exit(2)
    rows = _with_db(lambda app: app.db.read(tickets.consultations, start=first, end=last))
    table = report.table(report.summarise(rows, dimensions, settings.tz), dimensions)
    typer.echo(report.render(table, dimensions))
    if csv_file:
        with open(csv_file, "w", encoding="utf-8", newline="") as handle:
            handle.write(report.to_csv(table, dimensions))
        typer.echo(f"Written: {csv_file}")


broadcast_cli = typer.Typer(no_args_is_help=True, help="Announcements to alert subscribers, and their delivery.")
cli.add_typer(broadcast_cli, name="broadcast")


def _broadcast_texts(texts: list[str], file: str | None) -> dict[str, str]:
    import yaml

    found: dict[str, str] = {}
    if file:
        try:
            loaded = yaml.safe_load(open(file, encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            typer.echo(f"Cannot read {file}: {exc}", err=True)
            raise typer.Exit(2) from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            typer.echo(f"{file} must map language codes to texts (en: ..., vi: ...).", err=True)
            raise typer.Exit(2)
        found.update({str(k): v for k, v in loaded.items()})
    for item in texts:
        locale, sep, text = item.partition("=")
        if not sep:
            typer.echo(f"--text {item[:30]!r}: write it as LANGUAGE=TEXT, for example en=\"The office is closed\"",
                       err=True)
            raise typer.Exit(2)
        found[locale.strip()] = text
    unknown = [locale for locale in found if locale not in LOCALES]
    if unknown:
        typer.echo(f"Unknown language(s) {', '.join(unknown)}; use: {', '.join(LOCALES)}", err=True)
        raise typer.Exit(2)
    if not ({"en", "ko"} & found.keys()):
        typer.echo("Write the announcement at least in English (en) or Korean (ko): residents whose language is "
                   "missing get those.", err=True)
        raise typer.Exit(2)
    return found


@broadcast_cli.command("send")
def broadcast_send(
    title: Annotated[str, typer.Option(help="A short name for the announcement (for staff, in `status`).")],
    text: Annotated[list[str], typer.Option("--text", help="LANGUAGE=TEXT; repeat for each language.")] = [],  # noqa: B006
    file: Annotated[str | None, typer.Option(help="A YAML file mapping languages to texts.")] = None,
    areas: Annotated[str, typer.Option(help="Comma-separated cities/counties (default: all subscribers).")] = "",
    languages: Annotated[str, typer.Option(help="Only residents who use these languages.")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the texts and count recipients.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Show a progress bar until everything is delivered.")] = False,
) -> None:
    """Announce something to alert subscribers (those who did not turn announcements off), in their languages."""
    from bot.services.alerts import broadcast_body, broadcast_problems

    texts = _broadcast_texts(text, file)
    problems = broadcast_problems(texts)
    if problems:
        for problem in problems:
            typer.echo(f"ERROR {problem}", err=True)
        typer.echo("Nothing was queued.", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    wanted_languages = [code.strip() for code in languages.split(",") if code.strip()] or None
    if wanted_languages and (bad := [code for code in wanted_languages if code not in LOCALES]):
        typer.echo(f"Unknown language(s) {', '.join(bad)}", err=True)
        raise typer.Exit(2)

    async def plan(app):
        from bot.storage import alerts as store

        content = app.content.current
        zones = None
        if areas.strip():
            zones = []
            for name in (part.strip() for part in areas.split(",") if part.strip()):
                region = content.region(name)
                if region is None:
                    return None, name
                zones.append(region.kma_zone)  # the sea off it is shared with its neighbours: land only
        counts = await app.db.read(store.count_subscribers, zones_=zones, languages=wanted_languages,
                                   announcements=True)
        return (zones, counts), None

    planned, bad_area = _with_db(plan)
    if planned is None:
        typer.echo(f"Unknown city or county {bad_area!r} (use the ids of data/regions.yaml, e.g. yeongam).", err=True)
        raise typer.Exit(2)
    zones, counts = planned
    typer.echo(f"Announcement: {title}")
    for locale in LOCALES:
        if locale not in texts and not counts.get(locale):
            continue
        shown = broadcast_body(texts, locale)
        note = "" if locale in texts else "  (not written in this language: sent in English and Korean)"
        typer.echo(f"\n[{locale}] {counts.get(locale, 0)} recipient(s){note}\n{shown}")
    total = sum(counts.values())
    typer.echo(f"\n{total} recipient(s) in all.")
    if dry_run:
        typer.echo("Dry run: nothing was queued.")
        return
    if total == 0:
        typer.echo("Nobody to send to; nothing was queued.")
        return
    if not yes and not typer.confirm(f"Send to {total} recipient(s)?"):
        typer.echo("Cancelled; nothing was queued.")
        raise typer.Exit(1)

    async def queue(app):
        return await app.alerts.queue_broadcast(title=title, texts=texts, zones_=zones, languages=wanted_languages,
                                                created_by=os.environ.get("USER"))

    broadcast_id, queued = _with_db(queue)
    typer.echo(f"Queued broadcast {broadcast_id} for {queued} recipient(s). The running bot sends it within its "
               f"rate limits; `python -m bot broadcast status {broadcast_id}` shows the delivery.")
    if wait:
        _progress(broadcast_id, queued, settings)


def _progress(broadcast_id: int, total: int, settings) -> None:
    import time as clock

    from bot.storage import alerts as store

    done = 0
    with typer.progressbar(length=total, label="Delivering") as bar:
        while done < total:
            counts = _with_db(lambda app: app.db.read(store.delivery_counts, batch=f"broadcast:{broadcast_id}"))
            now_done = total - counts.get("pending", 0) - counts.get("sending", 0)
            bar.update(now_done - done)
            done = now_done
            if done < total:
                clock.sleep(1)


@broadcast_cli.command("status")
def broadcast_status(broadcast_id: Annotated[int | None, typer.Argument()] = None) -> None:
    """Delivery of the recent broadcasts (or of one): sent, waiting, blocked, failed."""
    from bot.storage import alerts as store

    async def look(app):
        rows = await app.db.read(store.recent_broadcasts, limit=20)
        if broadcast_id is not None:
            rows = [row for row in rows if row.id == broadcast_id] or [
                await app.db.read(store.get_broadcast, broadcast_id=broadcast_id)]
        result = []
        for row in rows:
            if row is None:
                continue
            batch = f"broadcast:{row.id}"
            result.append((row, await app.db.read(store.delivery_counts, batch=batch),
                           await app.db.read(store.delivery_errors, batch=batch)))
        return result

    found = _with_db(look)
    if not found:
        typer.echo("No broadcasts yet." if broadcast_id is None else f"No broadcast {broadcast_id}.")
        raise typer.Exit(0 if broadcast_id is None else 1)
    for row, counts, errors in found:
        waiting = counts.get("pending", 0) + counts.get("sending", 0)
        typer.echo(f"{row.id:>4}  {row.created_at:%Y-%m-%d %H:%M}  {row.title[:40]:<40}  recipients {row.recipients}"
                   f"  sent {counts.get('sent', 0)}  waiting {waiting}  blocked {counts.get('blocked', 0)}"
                   f"  failed {counts.get('failed', 0) + counts.get('unknown', 0)}")
        for error, count in errors if broadcast_id is not None else []:
            typer.echo(f"        {count} × {error}")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
