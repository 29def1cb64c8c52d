"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .accounts import admin_views as account_admin
from .accounts import views as auth
from .city import views as city_views
from .editor import views as editor
from .importing import pending_uploads
from .importing import views as uploads
from .ogcapi import views as ogcapi
from .opendata import views as opendata
from .organizations import page_views as organization_pages
from .organizations import views as organizations_api
from .organizations.service import Organizations
from .overlay import views as overlay_views
from .plans import views as plans_api
from .plans.service import Planning
from .public import views as public_views
from .public.service import PublicMap
from .resources import templates_dir
from .settings import instance_folder, load_settings
from .storage import open_store
from .subsidies import views as subsidies_views
from .subsidies.service import Subsidies
from .web import content_policy, current, i18n, vendor_assets, views
from .web.error_pages import register_error_handlers
from .web.i18n import LANGUAGES, language_link, request_language, script_text
from .web.icons import icon
from .web.json_answers import FiniteJSONProvider
from .web.request_limits import register_body_limits
from .web.validation import IdConverter

logger = logging.getLogger(__name__)


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """A geoapp instance; ``config`` overrides settings (keys as the GEOAPP_ variables
    without their prefix, e.g. ``DATABASE_URL``, plus any Flask setting)."""
    given = dict(config or {})
    instance_path = instance_folder(given)
    settings = load_settings(instance_path, given)
    app = Flask(
        "geoapp",
        instance_path=str(instance_path),
        template_folder=str(templates_dir()),
        static_folder=str(Path(__file__).resolve().parent / "web" / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        GEOAPP=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=200 * 1024 * 1024,
        JSON_AS_ASCII=False,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update({k: v for k, v in given.items() if k.isupper() and not _is_setting(k)})
    app.json = FiniteJSONProvider(app)
    pending_uploads.expire_pending(
        uploads.uploads_dir(app.instance_path),
        app.config.get("PENDING_UPLOAD_LIFETIME", pending_uploads.LIFETIME),
    )
    app.session_interface = auth.GeoappSessionInterface()
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    app.url_map.converters["int"] = IdConverter
    store = open_store(
        settings.database_url,
        settings.working_crs,
        settings.pool_size,
        settings.sqlite_busy_timeout,
    )
    app.extensions[current.STORE] = store
    app.extensions[current.PLANS] = Planning(store)
    app.extensions[current.PUBLIC] = PublicMap(app.extensions[current.PLANS])
    app.extensions[current.ORGANIZATIONS] = Organizations(store, app.extensions[current.PLANS])
    app.extensions[current.SUBSIDIES] = Subsidies(store, app.extensions[current.ORGANIZATIONS])
    register_body_limits(app)  # before CSRFProtect, whose check reads the form
    CSRFProtect(app)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(overlay_views.blueprint)
    app.register_blueprint(vendor_assets.blueprint)
    app.register_blueprint(uploads.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(city_views.blueprint)
    app.register_blueprint(account_admin.blueprint)
    app.register_blueprint(plans_api.blueprint)
    app.register_blueprint(plans_api.public_blueprint)
    app.register_blueprint(public_views.api)
    app.register_blueprint(public_views.pages)
    app.register_blueprint(organizations_api.blueprint)
    app.register_blueprint(organizations_api.staff_blueprint)
    app.register_blueprint(organizations_api.scheme_blueprint)
    app.register_blueprint(organization_pages.blueprint)
    app.register_blueprint(organization_pages.admin_blueprint)
    for blueprint in subsidies_views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(editor.blueprint)
    app.register_blueprint(editor.api)
    app.register_blueprint(ogcapi.blueprint)
    app.register_blueprint(opendata.blueprint)
    register_error_handlers(app)
    content_policy.init_app(app)
    app.jinja_env.globals["icon"] = icon
    i18n.init_app(app)

    @app.context_processor
    def translation_helpers() -> dict[str, object]:
        lang = request_language()
        return {
            "lang": lang,
            "script_text": lambda: script_text(lang),
            "languages": LANGUAGES,
            "language_link": language_link,
        }

    @app.after_request
    def remember_language(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie("lang", asked, max_age=365 * 86400, samesite="Lax")
        return response

    return app


def _is_setting(key: str) -> bool:
    """True for the geoapp settings handled by ``load_settings`` and the factory."""
    return key in {
        "DATABASE_URL",
        "SECRET_KEY",
        "BASEMAP",
        "BASEMAP_ATTRIBUTION",
        "CRS",
        "POOL_SIZE",
        "INSTANCE_PATH",
        "PROXY_COUNT",
        "SESSION_IDLE_MINUTES",
        "SESSION_MAX_HOURS",
        "SQLITE_BUSY_TIMEOUT",
    }
