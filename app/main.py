"""The FastAPI application: routers, error rendering, limits and start-up."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.alerts.router import router as alerts_router
from app.audit.refusals import RefusalAudit
from app.audit.router import router as audit_router
from app.audit.service import audit_trail
from app.auth.router import router as clients_router
from app.auth.router import token_router
from app.auth.service import ensure_admin
from app.auth.throttle import TokenThrottle
from app.calendar.router import router as calendar_router
from app.changes.router import router as changes_router
from app.config import Settings, get_settings
from app.csv_answers import add_csv_operations
from app.database import connection_capacity, make_engine, make_sessionmaker
from app.errors import install_problem_handlers
from app.extracts.router import router as extracts_router
from app.headers import NoStore
from app.health.router import router as health_router
from app.limits import BatchTurns, BodySizeLimit, ConnectionAdmission
from app.observability.logs import RequestLog
from app.observability.metrics import Metrics
from app.openapi import TAGS, install_openapi
from app.people.router import router as people_router
from app.people.service import ensure_admin_person
from app.problems.router import router as problems_router
from app.providers.router import router as providers_router
from app.provision.router import install_conflict_recorder
from app.provision.router import router as provision_router
from app.pupils.router import router as pupils_router
from app.register.router import router as register_router
from app.returns.router import router as returns_router
from app.sandbox.router import router as sandbox_router
from app.summary.cache import AggregateCache
from app.summary.router import router as summary_router
from app.web.assets import ASSETS_PATH, assets_app
from app.web.pages import page_router
from app.web.rendering import too_large_page

API_PREFIX = "/api/v1"
DESCRIPTION = """
The central register of children not in full-time education for an English local authority.

Schools, PRUs, alternative provision, hospital and tuition services, colleges and youth
offending services post **weekly hours of provision per child (by UPN)**. The register adds up
each child's hours across providers, decides who is **below full time (25 hours by default)
and for how long**, and serves LA dashboards and inspection extracts.

Authenticate with OAuth2 client credentials at `POST /api/v1/auth/token` (HTTP Basic or form),
then send `Authorization: Bearer <token>`. Errors are RFC 9457 problem details
(`application/problem+json`) whose `type` links to a page explaining the problem; validation
errors name each bad field by JSON Pointer. Answers carrying tokens or children's data are
`Cache-Control: no-store`. Send `X-Request-ID` to correlate a call with the register's logs.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for these settings (the environment's by default)."""
    settings = settings or get_settings()
    engine = make_engine(settings.sqlalchemy_url, pool_size=settings.database_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.admin_client_id and settings.admin_client_secret:
            await run_in_threadpool(_bootstrap_admin, app, settings)
        if settings.admin_email and settings.admin_password:
            await run_in_threadpool(_bootstrap_admin_person, app, settings)
        # Start-up objects live as long as the process: keeping them out of the collector's
        # full passes removes the 50 ms pauses that made up the register's p99.
        gc.freeze()
        yield
        engine.dispose()

    # Swagger UI and ReDoc assets come from a package, so the docs work on a closed network.
    app = FastAPIOffline(
        title="Children not in full-time education: central register",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=TAGS,
        servers=[{"url": "/", "description": "This register"}],
        contact={"name": f"{settings.la_name} register team", "email": settings.contact_email},
        # The licence of this API description, as UK public-sector information.
        license_info={"name": "Open Government Licence v3.0", "identifier": "OGL-UK-3.0"},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.batch_turns = BatchTurns(settings.concurrent_batches)
    app.state.aggregates = AggregateCache(size=settings.aggregate_cache_size)
    app.state.token_throttle = TokenThrottle(
        limit=settings.token_failure_limit, storage_url=settings.redis_url
    )
    app.state.sign_in_throttle = TokenThrottle(
        limit=settings.sign_in_failure_limit, storage_url=settings.redis_url, what="sign-in"
    )
    # Reads the app's session factory at scrape time (tests replace it after start-up).
    metrics = Metrics(engine=engine, sessions=lambda: app.state.sessionmaker())
    app.state.metrics = metrics

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(audit_trail, scope="function")])
    for router in (
        token_router,
        clients_router,
        people_router,
        providers_router,
        provision_router,
        pupils_router,
        register_router,
        changes_router,
        calendar_router,
        summary_router,
        extracts_router,
        returns_router,
        sandbox_router,
        alerts_router,
        audit_router,
    ):
        api.include_router(router)
    app.include_router(api)
    add_csv_operations(app)
    app.include_router(page_router())
    app.mount(ASSETS_PATH, assets_app(), name="assets")
    app.include_router(health_router)
    app.include_router(problems_router)
    if settings.metrics_enabled:

        @app.get("/metrics", include_in_schema=False)
        def prometheus_metrics(_request: Request) -> Response:
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    install_problem_handlers(app)
    install_conflict_recorder(app)
    install_openapi(app)
    app.add_middleware(RefusalAudit, prefix=API_PREFIX)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, page_answer=too_large_page)
    app.add_middleware(
        ConnectionAdmission,
        capacity=connection_capacity(
            settings.sqlalchemy_url, pool_size=settings.database_pool_size
        ),
    )
    app.add_middleware(NoStore, prefix=API_PREFIX)
    app.add_middleware(RequestLog, metrics=metrics)
    return app


def _bootstrap_admin(app: FastAPI, settings: Settings) -> None:
    assert settings.admin_client_id
    assert settings.admin_client_secret
    with app.state.sessionmaker.begin() as session:
        ensure_admin(
            session,
            client_id=settings.admin_client_id,
            client_secret=settings.admin_client_secret.get_secret_value(),
            settings=settings,
        )


def _bootstrap_admin_person(app: FastAPI, settings: Settings) -> None:
    assert settings.admin_email
    assert settings.admin_password
    with app.state.sessionmaker.begin() as session:
        ensure_admin_person(
            session,
            email=settings.admin_email,
            password=settings.admin_password.get_secret_value(),
            settings=settings,
        )
