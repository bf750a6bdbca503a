"""Admins' Activity page: every event across clients, filtered by user, client (a search of
client names), type and dates, paged, and exported as CSV (neutralised against formula
injection like the client export)."""
import csv
import io
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, Response, get_template_attribute, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..clients.models import Client
from ..db import search
from ..extensions import db
from ..htmx import render
from ..ids import as_id
from ..imports.reading import neutralise
from ..interactions import timeline
from ..interactions.routes import event_words
from ..listing import Filter, Listing, Sort
from ..security import role_required
from .models import Event

bp = Blueprint("activity", __name__, url_prefix="/activity")
BOM = "\ufeff"
EXPORT_BATCH = 1000


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


ACTIVITY = Listing(
    endpoint="activity.list_events",
    sorts=(Sort("at", (Event.at,), first="desc"),),
    default_sort="-at",
    tiebreak=Event.id,
    filters=(Filter("user", parse=as_id), Filter("type", timeline.TYPE_CHOICES),
             Filter("from", parse=_day), Filter("to", parse=_day)),
)


def _local_midnight(day: date) -> datetime:
    """The start of `day` in the reader's time zone, in UTC."""
    return to_utc(datetime.combine(day, time())).replace(tzinfo=timezone.utc)


def event_query(params):
    query = timeline.narrowed(select(Event), params.type, params.user)
    if params.q:  # the Client filter: the events of the clients whose name matches
        query = query.where(Event.client_id.in_(
            search.matching(select(Client.id), Client, params.q)))
    start, end = getattr(params, "from"), params.to
    if start is not None:
        query = query.where(Event.at >= _local_midnight(start))
    if end is not None:
        query = query.where(Event.at < _local_midnight(end + timedelta(days=1)))
    return query


@bp.get("")
@role_required("admin")
def list_events():
    params = ACTIVITY.params(request.args)
    page = ACTIVITY.paginate(event_query(params).options(
        selectinload(Event.actor), selectinload(Event.client), selectinload(Event.contact)),
        params)
    users = db.session.execute(select(User.id, User.name).order_by(User.name, User.id)).all()
    return render("activity/list.html", "event_list", page=page,
                  params=params.with_(page=page.page), users=users,
                  type_labels=timeline.type_labels(), from_day=getattr(params, "from"))


@bp.get("/export.csv")
@role_required("admin")
def export_events():
    params = ACTIVITY.params(request.args)
    query = ACTIVITY.order(event_query(params), params.sort)
    describe = get_template_attribute("interactions/_entries.html", "describe")
    who = get_template_attribute("interactions/_entries.html", "who")
    kind_label = get_template_attribute("interactions/_entries.html", "kind_label")

    def text(markup) -> str:
        return " ".join(Markup(markup).striptags().split())

    def line(cells) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerow([neutralise(str(cell)) for cell in cells])
        return buffer.getvalue()

    words = event_words()

    def generate():
        yield (BOM + line([_("Date"), _("Who"), _("Client"), _("Type"), _("What")])).encode()
        for events in db.session.scalars(query.options(
                selectinload(Event.actor), selectinload(Event.client),
                selectinload(Event.contact)).execution_options(yield_per=EXPORT_BATCH)
        ).partitions():
            yield "".join(line([
                to_user_timezone(event.at).strftime("%Y-%m-%d %H:%M"), text(who(event, words)),
                event.client.name if event.client else "", text(kind_label(event, words)),
                text(describe(event, words))]) for event in events).encode()

    response = Response(stream_with_context(generate()), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="activity.csv"'
    return response
