"""The timeline's "Load more" (the section's own routes come from sections.register)."""
from flask import request, url_for

from ..clients.blueprint import bp
from ..clients.profile_routes import PROFILE, get_client
from ..htmx import redirect_htmx, render, wants_fragment
from .timeline import LOGGED_LABELS


@bp.get("/<id:client_id>/interactions/more")
def timeline_more(client_id: int):
    """The next page of the timeline after ?before=, as entries and a new Load more."""
    client = get_client(client_id)
    section = PROFILE.section("interactions")
    if not wants_fragment():
        return redirect_htmx(url_for("clients.profile_section", client_id=client.id,
                                     name="interactions", **request.args))
    from .section import timeline_context

    data = {**timeline_context(client, request.args), "item_form": None,
            "item_editing": None}
    return render(section.template, "timeline_more", client=client, page=PROFILE,
                  data=data, swapped=True)


@bp.app_template_global("event_words")
def event_words() -> dict:
    """The words every timeline entry repeats, translated once per request (a gettext per
    entry and label was most of a timeline page's time)."""
    from flask import g
    from flask_babel import gettext as _

    words = g.get("_event_words")
    if words is None:
        words = g._event_words = {
            "kinds": {kind: str(label) for kind, label in LOGGED_LABELS.items()},
            "app_event": _("App event"),
            "fields": {"type": _("Type"), "name": _("Name"), "code": _("Code"),
                       "address": _("Address"), "email": _("Email"), "phone": _("Phone")},
            "empty": _("empty"), "edit": _("Edit"), "delete": _("Delete"),
            "with": _("with %(name)s"), "app": _("Clientapp"), "former": _("A former user"),
            "created": _("Client created."), "edited": _("Client edited."),
            "unarchived": _("Client unarchived."),
            "when": _short_datetime(),
        }
    return words


def _short_datetime():
    """format_datetime(value, "short") in the reader's language and time zone, with both
    looked up once (Flask-Babel looks them up for every date it formats)."""
    from babel.dates import format_datetime
    from flask_babel import get_locale, get_timezone

    locale, zone = get_locale(), get_timezone()
    return lambda value: format_datetime(value, "short", tzinfo=zone, locale=locale)
