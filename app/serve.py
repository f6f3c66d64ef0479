"""Start the register: JSON logs, optionally migrate and load the demo LA, then serve.

`make run` migrates first (`--migrate`); a deployed image runs `python -m app.migrations` once
as its own step, so that replicas never race to migrate as they start.
"""

import argparse
import logging

import uvicorn

from app.config import Settings, get_settings
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
    settings = get_settings()
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
        # A human is at the terminal: say how to start, with the development secret only.
        secret = settings.admin_client_secret
        print(
            f"\nRegister for {settings.la_name} ({settings.la_code}) on "
            f"{settings.database_url_for_display}\n"
            f"  API:   {base}/api/v1\n"
            f"  Docs:  {base}/docs\n"
            f"  Token: curl -s -X POST {base}/api/v1/auth/token "
            f"-d grant_type=client_credentials "
            f"-d client_id={settings.admin_client_id or '<REGISTER_ADMIN_CLIENT_ID>'} "
            f"-d client_secret={secret.get_secret_value() if secret else '<secret>'}\n"
            f"{_sign_in_help(base, settings, demo=args.demo)}",
            flush=True,
        )
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


def _sign_in_help(base: str, settings: Settings, *, demo: bool) -> str:
    """Where people sign in, and as whom on the development machine."""
    from app.demo import DEMO_PEOPLE, DEMO_TUTOR

    accounts = []
    if settings.admin_email and settings.admin_password:
        accounts.append(("admin", settings.admin_email, settings.admin_password.get_secret_value()))
    if demo:
        accounts += [
            (role.value, email, password) for email, _, role, password in (*DEMO_PEOPLE, DEMO_TUTOR)
        ]
    lines = [f"  Pages: {base}/sign-in"]
    lines += [f"    {role:<11} {email}  password: {password}" for role, email, password in accounts]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
