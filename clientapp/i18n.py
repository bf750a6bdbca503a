"""English and French: which one a request gets, and how to switch."""
import os

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from .extensions import babel

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def select_locale() -> str:
    """The user's saved choice, else the session's (before sign-in), else Accept-Language,
    else CLIENTAPP_DEFAULT_LOCALE."""
    locales = current_app.config["CLIENTAPP_LOCALES"]
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    if session.get("locale") in locales:
        return session["locale"]
    best = request.accept_languages.best_match(locales)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    """The user's own time zone (My account); None leaves CLIENTAPP_TIMEZONE."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def init_i18n(app):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=os.path.join(root, "translations"),
    )
