"""Application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from . import __version__
from .clock import Clock, SystemClock
from .config import Settings, load_settings
from .db import make_engine, make_sessionmaker
from .web.context import (
    Platform,
    close_session_before_response,
    db,
    is_public_endpoint,
    receive_body,
    set_actor,
    teardown_session,
)
from .web.errors import register_error_handlers
from .web.headers import SWAGGER_UI_URL
from .web.headers import install as install_security_headers
from .web.logs import configure_logging, install_request_logging
from .web.metrics import install_metrics
from .web.smorest import Api
from .web.static import register_pwa

API_PREFIX = "/api/v1"
# What an account that must change its password may still do: change it, read itself, leave.
_PASSWORD_CHANGE = frozenset({"auth.change_password", "auth.me", "auth.logout"})


def _default_store_factory(settings: Settings) -> Any:
    def make() -> Any:
        from .storage import ObjectStore

        if not settings.s3_endpoint:
            raise RuntimeError(
                "XUNJIAN_S3_ENDPOINT is not set: start the service with `xunjian serve`, which "
                "starts the bundled SeaweedFS, or point XUNJIAN_S3_ENDPOINT at an S3 server"
            )
        store = ObjectStore(
            settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_region,
        )
        return store

    return make


def create_app(
    settings: Settings | None = None,
    *,
    sessions: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
    store_factory: Any = None,
) -> Flask:
    """Build the Flask app. Tests pass their own session factory, clock and store."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_json)
    if sessions is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        sessions = make_sessionmaker(make_engine(settings.database_url))

    app = Flask(__name__, static_folder=None)
    if settings.trusted_proxy_hops:
        # Behind nginx every request comes from 127.0.0.1: the client's address (login
        # throttling, logs) is the one the configured number of proxies put in X-Forwarded-For.
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        API_TITLE="Xunjian 巡检 API",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL,  # bundled (web/swagger_ui), no CDN
        API_SPEC_OPTIONS={
            "info": {
                "description": "Patrols, renovation enforcement, photo evidence and work orders "
                "for property management. Errors share one shape: {code, message, details}."
            },
            "security": [{"bearerAuth": []}],
        },
    )
    app.extensions["xunjian"] = Platform(
        settings=settings,
        sessions=sessions,
        clock=clock or SystemClock(),
        store_factory=store_factory or _default_store_factory(settings),
    )

    if not settings.celery_broker_url:
        # Embedded default: tasks run in this process, on this app's database and storage.
        from .tasks import configure_celery, use_sessions, use_store

        configure_celery("")
        use_sessions(sessions)
        use_store(lambda: app.extensions["xunjian"].store)

    from .areas import register as register_areas

    register_areas()
    install_request_logging(app)
    install_metrics(app)
    register_error_handlers(app)
    app.teardown_appcontext(teardown_session)

    @app.before_request
    def _refuse_nul_in_url() -> None:
        # Path segments and query values reach database lookups; PostgreSQL refuses U+0000.
        from .errors import InvalidInput

        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            raise InvalidInput(
                "NUL characters are not allowed in the address.",
                message_zh="地址中不允许包含空字符（NUL）。",
            )

    @app.before_request
    def _authenticate() -> None:
        from .auth.accounts import authenticate
        from .errors import Unauthenticated
        from .web.context import now

        if request.path == "/metrics":
            return  # scrapers send the metrics token, not a user's (web/metrics.py)
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            actor, token_row = authenticate(
                db(), token.strip(), now(), changing_password=request.endpoint in _PASSWORD_CHANGE
            )
            g.token_row = token_row
            set_actor(actor)
            # Ends the transaction (it may have touched last_used_at) before the body is read.
            db().commit()
            return
        g.actor = None
        if not is_public_endpoint(app):
            raise Unauthenticated("Please log in.", message_zh="请先登录。")

    # After authentication, so a stranger's body is never read; before the view's first query.
    app.before_request(receive_body)
    app.after_request(close_session_before_response)

    @app.after_request
    def _conditional_headers(response: Response) -> Response:
        if etag := g.get("response_etag"):
            response.headers["ETag"] = etag
        if g.get("idempotent_replay"):
            response.headers["Idempotent-Replay"] = "true"
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in _area_blueprints():
        api.register_blueprint(blueprint, url_prefix=API_PREFIX + (blueprint.url_prefix or ""))
    from .web.conditional import document_if_match

    document_if_match(app, api.spec)
    app.register_blueprint(_health_root())
    from .evidence.verify_page import bp as verify_page_bp

    app.register_blueprint(verify_page_bp)
    register_pwa(app, settings.pwa_dir)
    install_security_headers(app, settings.pwa_dir, settings.s3_endpoint)
    return app


def _area_blueprints() -> list[Any]:
    """Every area's API blueprint. A new area adds its import and list entry here."""
    from .audit_routes import blp as audit_blp
    from .auth.routes import blp as auth_blp
    from .auth.routes import users_blp
    from .evidence.routes import blp as evidence_blp
    from .evidence.routes import devices_blp, loans_blp
    from .health import blp as health_blp
    from .org.routes import blp as org_blp
    from .patrol.routes import blp as patrol_blp
    from .patrol.routes_duty import blp as patrol_duty_blp
    from .patrol.routes_review import blp as patrol_review_blp
    from .renovation.routes import blp as renovation_blp
    from .renovation.routes_deposits import blp as renovation_deposits_blp
    from .renovation.routes_notices import blp as renovation_notices_blp
    from .workorders.routes import blp as workorders_blp
    from .workorders.routes import requests_blp
    from .workorders.routes_admin import blp as workorders_admin_blp
    from .workorders.routes_desk import blp as workorders_desk_blp

    return [
        health_blp,
        auth_blp,
        users_blp,
        org_blp,
        audit_blp,
        evidence_blp,
        devices_blp,
        loans_blp,
        patrol_blp,
        patrol_review_blp,
        patrol_duty_blp,
        renovation_blp,
        renovation_notices_blp,
        renovation_deposits_blp,
        requests_blp,
        workorders_blp,
        workorders_desk_blp,
        workorders_admin_blp,
    ]


def _health_root() -> Any:
    from .health import root_bp

    return root_bp
