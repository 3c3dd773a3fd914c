"""The ``viche`` command."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import sys

from pydantic import ValidationError

from core.settings import get_settings


def _upgrade(url: str) -> None:
    from storage.migrate import upgrade

    upgrade(url)


def _served_settings(args: argparse.Namespace):
    settings = get_settings()
    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    return settings


SHARED_TOKEN_NEEDED = (
    "bot and API apart need the same VICHE_SERVICE_TOKEN on both sides: set it "
    "(e.g. to the output of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
)


def _serve_until_interrupted(main) -> int:
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        pass
    return 0


def _without_shared_token(settings) -> bool:
    from viche.runner import needs_shared_token

    if needs_shared_token(settings):
        print(SHARED_TOKEN_NEEDED, file=sys.stderr)
        return True
    return False


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def sandbox_refused(settings, allow_remote: bool) -> str | None:
    """Why a sandbox must not listen where it was told to, if it must not. Its chat page and fake Bot API let
    whoever reaches them write as any Telegram id — an organiser's or an owner's included."""
    if settings.bot_token or allow_remote or _loopback(settings.host):
        return None
    return (
        f"refusing to serve the sandbox (no VICHE_BOT_TOKEN) on {settings.host}: whoever reaches it can act as "
        f"any Telegram user, organisers included. It listens on loopback (127.0.0.1, ::1) only; add "
        f"--allow-remote-sandbox to listen on {settings.host} anyway"
    )


def _configure_logging(settings) -> None:
    from core.logs import configure_logging

    configure_logging(settings.log_format)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _served_settings(args)
    _configure_logging(settings)
    if args.webhook:
        settings.webhook_url = args.webhook
    refused = sandbox_refused(settings, args.allow_remote_sandbox)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    if settings.api_url:
        if _without_shared_token(settings):
            return 2
    else:  # the API elsewhere owns the database and its schema
        _upgrade(settings.database_url)
    from viche.runner import run

    return _serve_until_interrupted(run(settings))


def cmd_api(args: argparse.Namespace) -> int:
    settings = _served_settings(args)
    _configure_logging(settings)
    if _without_shared_token(settings):
        return 2
    _upgrade(settings.database_url)
    from viche.runner import run_api

    return _serve_until_interrupted(run_api(settings))


def cmd_db(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.action == "upgrade":
        _upgrade(settings.database_url)
        print("database is up to date")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from viche.database import run_with_database
    from viche.loading import load_demo

    slug = run_with_database(lambda db: load_demo(db, only_if_empty=args.if_empty))
    print(f"demo consultation {slug!r} loaded and open" if slug else "demo not loaded: the database already has data")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from api.organiser.stats import consultation_stats
    from storage.consultations import by_slug
    from viche.database import run_with_database

    async def read(db) -> dict | None:
        async with db.session() as session:
            consultation = await by_slug(session, args.slug)
            return None if consultation is None else (await consultation_stats(session, consultation)).model_dump()

    stats = run_with_database(read, upgrade=False)
    if stats is None:
        print(f"no consultation {args.slug!r}", file=sys.stderr)
        return 1
    print(json.dumps(stats, indent=2, ensure_ascii=False))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from api.pages.publishing import public_url, set_published
    from storage.consultations import by_slug
    from viche.database import run_with_database

    async def change(db) -> bool:
        async with db.session() as session:
            consultation = await by_slug(session, args.slug)
            if consultation is None:
                return False
            await set_published(session, consultation, not args.withdraw)
            return True

    if not run_with_database(change):
        print(f"no consultation {args.slug!r}", file=sys.stderr)
        return 1
    url = public_url(get_settings(), args.slug)
    print(f"{url} is no longer public" if args.withdraw else f"results page published: {url}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="viche", description="Public consultations inside Telegram.")
    sub = root.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, then start the API and the bot (sandbox without a token)")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument(
        "--webhook", metavar="URL", help="receive updates by webhook at this public HTTPS URL instead of polling"
    )
    run.add_argument(
        "--allow-remote-sandbox",
        action="store_true",
        help="without a bot token, listen on a non-loopback --host anyway (whoever reaches the "
        "sandbox can act as any Telegram user)",
    )
    run.set_defaults(func=cmd_run)
    api = sub.add_parser(
        "api",
        help="migrate, then start the API alone, for bots run apart (VICHE_API_URL); it "
        "sends the digests and invitations and runs the housekeeping",
    )
    api.add_argument("--host")
    api.add_argument("--port", type=int)
    api.set_defaults(func=cmd_api)
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)
    demo = sub.add_parser("demo", help="load the demo consultation (uk, en, de, pl, cs, fr, sv)")
    demo.add_argument("--if-empty", action="store_true", help="only when the database has no consultation")
    demo.set_defaults(func=cmd_demo)
    stats = sub.add_parser("stats", help="participation figures of a consultation")
    stats.add_argument("slug")
    stats.set_defaults(func=cmd_stats)
    publish = sub.add_parser("publish", help="make a consultation's results page /r/<slug> public")
    publish.add_argument("slug")
    publish.add_argument("--withdraw", action="store_true", help="make it private again (404)")
    publish.set_defaults(func=cmd_publish)
    from viche.validate import add_commands

    add_commands(sub)
    from viche import i18n_check

    i18n_check.add_commands(sub)
    from viche import budget, exporters, importers, jury, keys, report

    keys.register(sub)
    jury.register(sub)
    budget.register(sub)
    from viche import env_example, production

    production.register(sub)
    env_example.register(sub)
    importers.register(sub)
    exporters.register(sub)
    report.register(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as error:
        if error.title != "Settings":
            raise
        # A bad VICHE_* variable: say which and why, not a traceback.
        for problem in error.errors(include_url=False):
            name = "VICHE_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"{name}={problem.get('input')!s}: {problem['msg']}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
