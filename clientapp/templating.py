"""What every template can use: the signed-in user, languages, date and number filters."""
from datetime import datetime

from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from jinja2 import StrictUndefined

from .i18n import LANGUAGE_NAMES


def init_app(app):
    if app.config.get("CLIENTAPP_STRICT_TEMPLATES"):
        app.jinja_env.undefined = StrictUndefined

    @app.template_filter("datetime")
    def datetime_filter(value, fmt="medium"):
        if value is None:
            return ""
        return format_datetime(value, fmt)

    @app.template_filter("date")
    def date_filter(value, fmt="medium"):
        if value is None:
            return ""
        return format_date(value, fmt)

    @app.template_filter("number")
    def number_filter(value):
        return format_decimal(value or 0)

    from .notices import kept

    app.jinja_env.globals["kept_notices"] = kept

    @app.context_processor
    def globals_():
        return {
            "languages": LANGUAGE_NAMES,
            "current_locale": str(get_locale() or "en"),
            "today": datetime.now(get_timezone()).date(),
        }
