"""`frivillig`: the command line (run, chat, db, seed, staff …)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import logs
from bot.app import build_conversation, build_services, prepare_database
from bot.config import PROJECT_ROOT, Settings
from bot.core.flood import FloodLimit
from bot.i18n import t
from bot.matching.cli import import_opportunities, seed_summary
from bot.processes import nlu as nlu_process
from bot.store import migrate
from bot.store.database import Database, transaction
from bot.store.models import StaffRole

if TYPE_CHECKING:
    from bot.channels.terminal import TerminalChat
    from bot.core.services import Services

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (the deployment files' commands are checked against it)."""
    parser = argparse.ArgumentParser(prog="frivillig", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (the terminal chat without a token)")
    run.add_argument("--start-nlu", action="store_true", help="start the Rasa server too")
    run.add_argument("--webhook", action="store_true", help="serve a Telegram webhook (production)")
    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--start-nlu", action="store_true", help="start the Rasa server too")
    chat.add_argument("--language", default="da", choices=["da", "en", "kl"])
    chat.add_argument(
        "--as",
        dest="as_user",
        type=_telegram_user_id,
        default=None,
        metavar="TELEGRAM_ID",
        help="chat as this user (play citizen, chair and staff in turn on one database)",
    )
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", default=None)
    commands.add_parser("web", help="serve the staff dashboard alone (WEB_LISTEN:WEB_PORT)")
    commands.add_parser("seed", help="load data/ into the database (idempotent)")
    dispatcher = commands.add_parser("dispatcher", help="send the outbox (its own process)")
    dispatcher.add_argument(
        "--rate", type=float, default=None, help="messages/s (default: setting)"
    )
    dispatcher.add_argument("--concurrency", type=int, default=16)
    dispatcher.add_argument("--lease-seconds", type=float, default=60.0)
    importing = commands.add_parser("import", help="import a municipality's data from a file")
    importing.add_argument("kind", choices=["opportunities"])
    importing.add_argument("file", type=Path, help="CSV, UTF-8, ';' or ',' separated")
    importing.add_argument("--municipality", help="refuse rows of other municipalities")
    commands.add_parser("scheduler", help="run the one scheduler process (webhook mode)")
    staff = commands.add_parser("staff", help="municipal staff who may use /staff")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser("add")
    add.add_argument("telegram_id", type=int)
    add.add_argument("--municipality", required=True)
    staff_commands.add_parser("list")
    remove = staff_commands.add_parser("remove")
    remove.add_argument("telegram_id", type=int)
    remove.add_argument("--municipality", required=True)
    return parser


def _telegram_user_id(value: str) -> int:
    """A Telegram user id: a positive whole number (negative ids are groups)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a Telegram user id: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"not a Telegram user id: {value!r}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    if args.command == "chat" or (args.command == "run" and not settings.token):
        # The terminal is the chat itself: logs go to a file instead of between the messages.
        log_path = PROJECT_ROOT / "var" / "frivillig.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        logs.configure(settings.log_level, stream=log_path.open("a", encoding="utf-8"))
    else:
        logs.configure(settings.log_level)
    handlers = {
        "run": _run,
        "chat": _chat,
        "db": _db,
        "seed": _seed,
        "import": _import,
        "staff": _staff,
        "scheduler": _scheduler,
        "dispatcher": _dispatcher,
        "web": _web,
    }
    return handlers[args.command](settings, args)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.webhook:
        return _run_webhook(settings)
    if not settings.token:
        print(t("da", "cli.no_token"), file=sys.stderr)
        return _chat(settings, args)
    from bot.channels.telegram import ALLOWED_UPDATES, build_application
    from bot.delivery.dispatcher import dispatcher_task
    from scheduler.setup import scheduler_task

    rasa = _start_nlu(settings) if args.start_nlu else None
    try:
        services = build_services(settings)
        prepare_database(services.db, services.directory)
        # One process does it all here: the scheduler and the outbox dispatcher run beside polling.
        background = [scheduler_task(services), dispatcher_task(services)]
        if settings.web_port:
            from bot.web.serve import web_task

            background.append(web_task(services))
            _say_web_address(settings)
        application = build_application(
            settings, build_conversation(services), background=background
        )
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        nlu_process.stop(rasa)
    return 0


def _start_nlu(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Rasa beside the bot (`make run`): started, reused, or moved to a free port, and said so.

    Changes `settings.nlu_url` when Rasa had to move, so the bot talks to ours, never to
    whatever else listens on the configured port.
    """
    started = nlu_process.start_rasa(settings.nlu_url, PROJECT_ROOT / "var" / "rasa.log")
    if started.note == "reused":
        print(t("da", "cli.nlu_reused", url=started.url), file=sys.stderr)
    elif started.note == "port_taken":
        port = started.url.rsplit(":", 1)[-1]
        print(t("da", "cli.nlu_port_taken", taken=started.taken_port, port=port), file=sys.stderr)
    if started.process is not None:
        print(t("da", "cli.nlu_loading"), file=sys.stderr)
    settings.nlu_url = started.url
    return started.process


def _run_webhook(settings: Settings) -> int:
    from bot.processes.webhook import WebhookConfigError, run_webhook

    try:
        run_webhook(settings)
    except WebhookConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


def _say_web_address(settings: Settings) -> None:
    print(t("da", "cli.web_address", url=f"{settings.web_url}/staff/"), file=sys.stderr)


def _web(settings: Settings, args: argparse.Namespace) -> int:
    from bot.web.serve import run_web

    services = build_services(settings, with_nlu=False)
    prepare_database(services.db, services.directory)
    _say_web_address(settings)
    run_web(services)
    return 0


def _scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from bot.processes.scheduler import run_scheduler

    asyncio.run(run_scheduler(settings))
    return 0


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.terminal import TERMINAL_USER_ID, TerminalChat
    from bot.channels.terminal_files import TerminalFiles

    rasa = _start_nlu(settings) if getattr(args, "start_nlu", False) else None
    try:
        services = build_services(settings)
        prepare_database(services.db, services.directory)
        services.files = TerminalFiles(services.db)
        conversation = build_conversation(services)
        # One person at their own keyboard, each line handled before the next is read: the flood
        # limit guards a Telegram bot against strangers' bursts, and here it would only drop the
        # lines of a pasted list of answers (»Du skriver hurtigere, end jeg kan følge med«).
        conversation.flood = FloodLimit(sys.maxsize, services.settings.flood_window_seconds)
        chat = TerminalChat(
            conversation,
            user_id=getattr(args, "as_user", None) or TERMINAL_USER_ID,
            language=getattr(args, "language", "da"),
            downloads=PROJECT_ROOT / "var" / "downloads",
        )
        asyncio.run(_chat_with_delivery(services, chat))
    finally:
        nlu_process.stop(rasa)
    return 0


async def _chat_with_delivery(services: Services, chat: TerminalChat) -> None:
    """The terminal chat with what `_run` runs beside Telegram: the scheduler and the outbox
    dispatcher (delivering into this chat), both stopped when the chat ends."""
    from bot.channels.terminal_delivery import TelegramOnlyWatch, TerminalDispatcher
    from scheduler.jobs import register_jobs
    from scheduler.setup import build_scheduler

    scheduler = build_scheduler(services)
    register_jobs(scheduler)
    scheduler.start()
    stop = asyncio.Event()
    dispatcher = TerminalDispatcher(
        chat, services.db, rate=services.settings.broadcast_rate_per_second
    )
    watch = TelegramOnlyWatch(services.db, chat.user_id, chat.show_telegram_only)
    background = [asyncio.create_task(dispatcher.run(stop)), asyncio.create_task(watch.run(stop))]
    if services.settings.web_port:
        from bot.web.serve import serve_until

        background.append(asyncio.create_task(serve_until(services, stop)))
        _say_web_address(services.settings)
    try:
        await chat.run()
    finally:
        stop.set()
        await asyncio.wait(background, timeout=10)
        scheduler.shutdown(wait=False)


def _db(settings: Settings, args: argparse.Namespace) -> int:
    database = Database(settings.database_url)
    if args.action == "upgrade":
        migrate.upgrade(database.engine, args.revision or "heads")
    else:
        migrate.downgrade(database.engine, args.revision or "-1")
    print(f"{args.action}: ok")
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_nlu=False)
    prepare_database(services.db, services.directory, settings.data_dir)
    print(f"municipalities: {len(services.directory.municipalities)}")
    print(seed_summary(services))
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_nlu=False)
    prepare_database(services.db, services.directory, settings.data_dir)
    if args.municipality and args.municipality not in services.directory.municipalities:
        print(f"unknown municipality {args.municipality!r}", file=sys.stderr)
        return 2
    return import_opportunities(services, args.file, args.municipality)


def _dispatcher(settings: Settings, args: argparse.Namespace) -> int:
    from bot.processes import dispatcher as dispatcher_process

    return dispatcher_process.main(
        settings, rate=args.rate, concurrency=args.concurrency, lease_seconds=args.lease_seconds
    )


def _staff(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings, with_nlu=False)
    prepare_database(services.db, services.directory)
    if (
        args.staff_command in ("add", "remove")
        and args.municipality not in services.directory.municipalities
    ):
        known = ", ".join(services.directory.municipalities)
        print(f"unknown municipality {args.municipality!r}; known: {known}", file=sys.stderr)
        return 2
    with transaction(services.db) as session:
        if args.staff_command == "add":
            exists = session.scalars(
                select(StaffRole).where(
                    StaffRole.telegram_id == args.telegram_id,
                    StaffRole.municipality_slug == args.municipality,
                )
            ).first()
            if exists is None:
                session.add(
                    StaffRole(telegram_id=args.telegram_id, municipality_slug=args.municipality)
                )
            print(f"staff {args.telegram_id} @ {args.municipality}: ok")
        elif args.staff_command == "remove":
            for role in session.scalars(
                select(StaffRole).where(
                    StaffRole.telegram_id == args.telegram_id,
                    StaffRole.municipality_slug == args.municipality,
                )
            ):
                session.delete(role)
            print(f"staff {args.telegram_id} @ {args.municipality}: removed")
        else:
            for role in session.scalars(select(StaffRole).order_by(StaffRole.municipality_slug)):
                print(f"{role.telegram_id}\t{role.municipality_slug}\t{role.role}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
