"""GOV.UK Frontend's styles, fonts and icons, served by the register itself."""

from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.rendering import STATIC

ASSETS_PATH = "/assets"
CACHE_SECONDS = 24 * 3600


class _CachedFiles(StaticFiles):
    """Static files a browser may keep for a day (they change only with a release)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def cached(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers.append((b"cache-control", f"public, max-age={CACHE_SECONDS}".encode()))
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, cached)  # type: ignore[arg-type]


def assets_app() -> ASGIApp:
    """The assets, compressed: they hold no secret, so unlike the pages (whose forms carry a
    CSRF token beside what the person typed, as BREACH would read) they are safe to gzip."""
    return GZipMiddleware(_CachedFiles(directory=STATIC / "assets"), minimum_size=1024)
