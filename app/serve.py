"""Start the register: JSON logs, optionally migrate and load the demo LA, then serve.

`make run` migrates first (`--migrate`); a deployed image runs `python -m app.migrations` once
as its own step, so that replicas never race to migrate as they start.
"""

import argparse
import logging

import uvicorn

from app.config import Settings, settings_or_exit
from app.main import create_app
from app.migrations import upgrade_to_head
from app.observability.logs import configure_logging

log = logging.getLogger("register")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--migrate", action="store_true", help="migrate to the latest schema")
    parser.add_argument("--demo", action="store_true", help="load a synthetic LA first")
    args = parser.parse_args()

    configure_logging()
    settings = settings_or_exit()
    if args.migrate:
        upgrade_to_head(settings)
    app = create_app(settings)
    if args.demo:
        from app.demo import ensure_demo_people, load_demo

        summary = load_demo(app.state.sessionmaker, settings=settings)
        ensure_demo_people(app.state.sessionmaker, settings=settings)
        log.info("demo LA loaded", extra={"demo": str(summary)})
    base = f"http://{args.host}:{args.port}"
    log.info(
        "register starting",
        extra={
            "la_code": settings.la_code,
            "environment": settings.environment,
            "database": settings.database_url_for_display,
            "api": f"{base}/api/v1",
            "metrics": settings.metrics_enabled,
        },
    )
    if settings.environment == "development":
        print(banner(settings, base) + sign_in_help(settings, base, demo=args.demo), flush=True)
    if settings.workers == 1:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            proxy_headers=True,
            log_config=None,
            access_log=False,
        )
    else:
        # Each worker process builds its own app (and database pool) from the environment.
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=settings.workers,
            proxy_headers=True,
            log_config=None,
            access_log=False,
        )


def banner(settings: Settings, base: str) -> str:
    """What a developer at the terminal needs to start: where the API is and how to get a
    token. The secret is named, never printed: a terminal is scrolled back, shared, recorded."""
    return (
        f"\nRegister for {settings.la_name} ({settings.la_code}) on "
        f"{settings.database_url_for_display}\n"
        f"  API:   {base}/api/v1\n"
        f"  Docs:  {base}/docs\n"
        f"  Token: curl -s -X POST {base}/api/v1/auth/token "
        f"-d grant_type=client_credentials "
        f"-d client_id={settings.admin_client_id or '<REGISTER_ADMIN_CLIENT_ID>'} "
        '-d client_secret="$REGISTER_ADMIN_CLIENT_SECRET"\n'
        "         (the secret you set; `make run` sets a development one in the Makefile)\n"
    )


def sign_in_help(settings: Settings, base: str, *, demo: bool) -> str:
    """Where people sign in, and as whom: the admin person's password is named, never printed;
    the demo's people have fixed demo passwords, printed so a developer can click through."""
    from app.demo import DEMO_PEOPLE, DEMO_TUTOR

    lines = [f"  Pages: {base}/sign-in"]
    if settings.admin_email:
        lines.append(f"    admin       {settings.admin_email}  password: $REGISTER_ADMIN_PASSWORD")
    if demo:
        lines += [
            f"    {role.value:<11} {email}  password: {password}"
            for email, _, role, password in (*DEMO_PEOPLE, DEMO_TUTOR)
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
