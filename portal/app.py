"""create_app(settings) -> Litestar: the composition root. Wiring only: plugins, stores, channels, routers."""

from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager, suppress

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig

from portal import __version__
from portal.accounts import routes as accounts_routes
from portal.accounts.auth import session_auth
from portal.catalog import routes as catalog_routes
from portal.complaints import routes as complaints_routes
from portal.db import engine as db
from portal.diagnostic import routes as diagnostic_routes
from portal.feedback import routes as feedback_routes
from portal.insight import routes as insight_routes
from portal.insight.refresher import Refresher
from portal.kiosk import routes as kiosk_routes
from portal.openapi import ApiReferencePlugin, publish_json_api_only
from portal.ops import health as ops_health
from portal.ops import logs as ops_logs
from portal.ops import routes as ops_routes
from portal.ops.observe import ObserveMiddleware
from portal.paths import STATIC_DIR
from portal.queue import routes as queue_routes
from portal.resilience import FallbackStore, ResilientStreamBackend
from portal.security import RequestGuardMiddleware, SecurityHeadersMiddleware
from portal.settings import Settings
from portal.staffing import routes as staffing_routes
from portal.web import EXCEPTION_HANDLERS, LanguageMiddleware, debug_error_response, jinja_environment

#: Each capability's routers and handlers, mounted in this order.
CAPABILITY_ROUTES = (catalog_routes, feedback_routes, queue_routes, insight_routes, accounts_routes,
                     diagnostic_routes, complaints_routes, kiosk_routes, staffing_routes,
                     ops_routes)


def _route_handlers() -> list:
    return [handler for module in CAPABILITY_ROUTES for handler in module.route_handlers]


def _redis_client(settings: Settings):
    from redis.asyncio import Redis

    # Short connect timeout: while Redis is down the caller falls back at once instead of hanging.
    assert settings.redis_url  # only called in scale-out mode
    return Redis.from_url(settings.redis_url, socket_connect_timeout=1, health_check_interval=15)


def _stores(settings: Settings) -> StoreRegistry:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        client = _redis_client(settings)

        def redis_store(name: str) -> FallbackStore:
            return FallbackStore(RedisStore(client, namespace=f"{settings.redis_namespace}:{name}"))

        return StoreRegistry(default_factory=redis_store)
    sessions = FileStore(settings.var_dir / "sessions", create_directories=True)
    return StoreRegistry(stores={"sessions": sessions}, default_factory=lambda name: MemoryStore())


def _channels(settings: Settings) -> ChannelsPlugin:
    if settings.redis_url:
        backend = ResilientStreamBackend(
            history=50, redis=_redis_client(settings), key_prefix=f"{settings.redis_namespace}:channels"
        )
    else:
        backend = MemoryChannelsBackend(history=50)
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    ops_logs.ensure_configured(settings)
    engine = db.configure(settings)
    refresher = Refresher() if settings.refresh_seconds > 0 else None

    @asynccontextmanager
    async def lifespan(app: Litestar):
        await db.start(engine)
        background = []
        if refresher is not None:
            background.append(asyncio.create_task(refresher.loop(settings.refresh_seconds), name="portal-refresher"))
        if isinstance(engine, db.EmbeddedSQLiteEngine):
            background.append(asyncio.create_task(engine.checkpointer(), name="portal-wal-checkpointer"))
        # What start-up built (modules, templates, routes) lives as long as the server: out of the collector's
        # sight, a full collection scans only what requests left behind (a 40-110 ms pause before, under load).
        gc.freeze()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await db.stop(engine)

    auth = session_auth(secure_cookies=settings.public_url.startswith("https://"))
    app = Litestar(
        route_handlers=[
            *_route_handlers(),
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static",
                                       include_in_schema=False, opt={"exclude_from_auth": True},
                                       cache_control=None),
        ],
        lifespan=[ops_health.lifespan, lifespan, ops_health.pool_sampling],
        on_app_init=[auth.on_app_init],
        middleware=[RequestGuardMiddleware],
        stores=_stores(settings),
        plugins=[_channels(settings)],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(jinja_environment(settings))),
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_name="csrftoken", cookie_samesite="lax",
                               cookie_secure=settings.public_url.startswith("https://"), exclude=["/api/"]),
        compression_config=CompressionConfig(backend="gzip", minimum_size=500, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(
            title="Portal Layanan Publik API", version=__version__, path="/schema",
            description="Open data: service standards, counters, and aggregated results (never individual responses).",
            render_plugins=[ApiReferencePlugin()],
        ),
        exception_handlers={**EXCEPTION_HANDLERS, Exception: debug_error_response} if settings.debug
        else EXCEPTION_HANDLERS,
        logging_config=None,  # logging is configured once, in the chosen format (portal.ops.logs)
        request_max_body_size=2 * 1024 * 1024,
        debug=settings.debug,  # PORTAL_DEBUG, development only (docs/deploy.md)
    )
    app.state.settings = settings
    app.state.refresher = refresher
    publish_json_api_only(app)
    # Outermost, so that even a 404 from the router is answered in the negotiated language.
    app.asgi_handler = LanguageMiddleware(app.asgi_handler, default=settings.default_language)
    app.asgi_handler = SecurityHeadersMiddleware(app.asgi_handler, https=settings.public_url.startswith("https://"))
    app.asgi_handler = ObserveMiddleware(app.asgi_handler)  # outermost: ids, counts and times every answer
    return app
