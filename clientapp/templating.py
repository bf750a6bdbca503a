"""What every template can use: the signed-in user, languages, date and number filters."""
import re
from datetime import datetime

from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_login import current_user
from jinja2 import StrictUndefined
from markupsafe import Markup, escape

from .i18n import LANGUAGE_NAMES

# Web addresses in text people write: only http and https become links (never javascript:
# or data:); punctuation that ends a sentence is left out of the address.
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str | None) -> Markup:
    """`text` escaped, with its web addresses as links (rel=noopener, a new tab)."""
    text = text or ""
    if "://" not in text:
        return escape(text)
    out, last = [], 0
    for found in _URL.finditer(text):
        url = found.group(0).rstrip(_TRAILING)
        href = escape(url)
        out.append(escape(text[last:found.start()]))
        out.append(f'<a href="{href}" rel="noopener noreferrer nofollow" target="_blank">'
                   f'{href}</a>')
        last = found.start() + len(url)
    out.append(escape(text[last:]))
    return Markup("".join(out))


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

    app.template_filter("linkify")(linkify)

    from .notices import kept

    app.jinja_env.globals["kept_notices"] = kept

    @app.context_processor
    def globals_():
        return {
            "languages": LANGUAGE_NAMES,
            "current_locale": str(get_locale() or "en"),
            "today": datetime.now(get_timezone()).date(),
            "unread_messages": _unread_messages,
        }


def _unread_messages() -> int:
    """The sidebar's count of unread discussion messages (asked only by whole pages)."""
    if not current_user.is_authenticated:
        return 0
    from .discussions.services import unread_total

    return unread_total(current_user.id)
