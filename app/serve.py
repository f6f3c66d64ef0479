"""`make run`: migrate, optionally load the demo LA, print how to start, then serve."""

import argparse

import uvicorn

from app.config import get_settings
from app.main import create_app
from app.migrations import upgrade_to_head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="load a synthetic LA first")
    args = parser.parse_args()

    settings = get_settings()
    upgrade_to_head(settings)
    app = create_app(settings)
    if args.demo:
        from app.demo import load_demo

        summary = load_demo(app.state.sessionmaker, settings=settings)
        print(f"Demo LA loaded: {summary}")
    base = f"http://{args.host}:{args.port}"
    client_id = settings.admin_client_id or "<REGISTER_ADMIN_CLIENT_ID>"
    # Only a development secret is ever printed.
    secret = "<REGISTER_ADMIN_CLIENT_SECRET>"  # noqa: S105 - a placeholder in a hint
    if settings.environment == "development" and settings.admin_client_secret:
        secret = settings.admin_client_secret.get_secret_value()
    print(
        f"\nRegister for {settings.la_name} ({settings.la_code}) on {settings.database_url}\n"
        f"  API:   {base}/api/v1\n"
        f"  Docs:  {base}/docs\n"
        f"  Token: curl -s -X POST {base}/api/v1/auth/token "
        f"-d grant_type=client_credentials -d client_id={client_id} "
        f"-d client_secret={secret}\n",
        flush=True,
    )
    if settings.workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True)
    else:
        # Each worker process builds its own app (and database pool) from the environment.
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=settings.workers,
            proxy_headers=True,
        )


if __name__ == "__main__":
    main()
