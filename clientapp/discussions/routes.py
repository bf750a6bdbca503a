"""A project's team discussion (a section of the project page, and a page of its own) and
the Discussions list. New messages reach open pages by polling a since-id fragment every
2 s: each poll is one short indexed query that holds a server thread for milliseconds, so
waitress's pool and any reverse proxy serve many open discussions (a held-open stream would
take a thread each)."""
from datetime import datetime, timedelta

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from ..db.sqlite import write_lock
from ..db.time import utcnow
from ..errors import error_page
from ..extensions import db
from ..htmx import redirect_htmx, render, wants_fragment
from ..ids import as_id
from ..listing import Listing, Sort
from ..projects.models import Project
from . import services
from .models import Message

bp = Blueprint("discussions", __name__)

PAGE = "discussions/page.html"
SECTION = "discussions/section.html"
POLL_SECONDS = 2

DISCUSSIONS = Listing(
    endpoint="discussions.list_discussions",
    sorts=(Sort("activity", (services.ACTIVITY,), first="desc"),),
    default_sort="-activity",
    tiebreak=Project.id,
    searchable=False,
)


def _project(project_id: int) -> Project:
    return db.get_or_404(Project, project_id)


def _message(project: Project, message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.project_id != project.id:
        abort(404)
    return message


class NotTakingPart(Exception):
    pass


def _require_part(project: Project) -> None:
    if not services.takes_part(project.id, current_user):
        raise NotTakingPart(project)


@bp.errorhandler(NotTakingPart)
def _not_taking_part(refused: NotTakingPart):
    """403. An open page (htmx: its poll, a send) gets the section as those who do not take
    part see it, in place of the one it shows, with the message it was sending: a member
    removed from the team or switched out of the discussion learns it at once."""
    if not wants_fragment():
        return error_page(403)
    project = refused.args[0]
    unsent = (request.form.get("body") or "").strip() if request.method == "POST" else ""
    response = render(SECTION, None, status=403, project=project, allowed=False,
                      participants=services.participants(project.id), unsent=unsent,
                      refused=True)
    response.headers.update({"HX-Retarget": "#discussion", "HX-Reswap": "outerHTML",
                             "HX-Reselect": "#discussion"})
    return response


def _mark_read(project: Project, messages) -> None:
    """The reader has seen up to the last of `messages`: written in a transaction of its own,
    after the reads (a GET otherwise only reads)."""
    last = max((m.id for m in messages), default=0)
    if not last or services.read_up_to(project.id, current_user.id) >= last:
        return  # nothing new: no write
    db.session.commit()
    with write_lock():
        services.mark_read(project.id, current_user.id, last)
        db.session.commit()


def thread_context(project: Project, body: str = "", error: str | None = None,
                   send_key: str | None = None) -> dict:
    """What the discussion's section shows to the current user; opening it marks it read."""
    allowed = services.takes_part(project.id, current_user)
    messages, has_earlier = services.latest(project.id) if allowed else ([], False)
    if allowed:
        _mark_read(project, messages)
    return dict(project=project, allowed=allowed, messages=messages, has_earlier=has_earlier,
                seen=_seen_next(utcnow()),
                participants=services.participants(project.id),
                last_id=max((m.id for m in messages), default=0), body=body, error=error,
                send_key=send_key or services.new_send_key(), poll_seconds=POLL_SECONDS)


def _thread(project: Project, status: int = 200, body: str = "", error: str | None = None,
            send_key: str | None = None):
    context = thread_context(project, body, error, send_key)
    return render(SECTION if wants_fragment() else PAGE, None, status=status, **context)


@bp.get("/projects/<id:project_id>/discussion")
def thread(project_id: int):
    return _thread(_project(project_id))


@bp.post("/projects/<id:project_id>/discussion")
def send(project_id: int):
    project = _project(project_id)
    _require_part(project)
    text, error = services.check_body(request.form.get("body"))
    send_key = (request.form.get("send_key") or "")[:64] or None
    if error:
        return _composer_or_page(project, 422, text, error, send_key)
    message = services.post(project.id, current_user.id, text, send_key)
    db.session.commit()
    services.message_posted.send(message)
    if not wants_fragment():
        return redirect_htmx(url_for("discussions.thread", project_id=project.id)
                             + f"#message-{message.id}")
    after = _after(request.form)
    new = services.since(project.id, after)
    _mark_read(project, new)
    return render(SECTION, ["composer", "appended", "poller"], project=project,
                  body="", error=None, send_key=services.new_send_key(), new=new,
                  seen=request.form.get("seen", ""),
                  last_id=max([after] + [m.id for m in new]), poll_seconds=POLL_SECONDS,
                  oob=True)


def _after(values) -> int:
    """The last message id the page shows (0: none yet); anything else is a 404."""
    raw = values.get("after", "0")
    after = 0 if raw == "0" else as_id(raw)
    if after is None:
        abort(404)
    return after


def _composer_or_page(project, status, text, error, send_key):
    if not wants_fragment():
        return _thread(project, status, text, error, send_key)
    return render(SECTION, "composer", status=status, project=project, body=text,
                  error=error, send_key=send_key or services.new_send_key())


@bp.get("/projects/<id:project_id>/discussion/messages")
def messages(project_id: int):
    """?after=ID: the messages since (the poll; 204 when there are none); ?before=ID: the 50
    before (Load earlier messages)."""
    project = _project(project_id)
    _require_part(project)
    if "before" in request.args:
        before = as_id(request.args.get("before"))
        if before is None:
            abort(404)
        earlier, has_earlier = services.latest(project.id, before=before)
        return render(SECTION, "earlier", project=project, earlier=earlier,
                      has_earlier=has_earlier)
    after = _after(request.args)
    looked = utcnow()
    seen = _seen(request.args)
    new = services.since(project.id, after)
    changed = services.changed_since(project.id, seen, after) if seen else []
    if not new and not changed and wants_fragment():
        return "", 204
    _mark_read(project, new)
    return render(SECTION, ["appended", "changed", "poller"], project=project, new=new,
                  changed=changed, last_id=max([after] + [m.id for m in new]),
                  seen=_seen_next(looked), poll_seconds=POLL_SECONDS, oob=True)


# Edits are asked for since a little before the last poll: one committed while that poll
# ran is not missed (it is sent twice at worst, replacing the same message).
SEEN_OVERLAP = timedelta(seconds=3)


def _seen(values) -> datetime | None:
    """When the page last asked for edits (None: never, or not a time)."""
    try:
        seen = datetime.fromisoformat(values.get("seen", ""))
    except ValueError:
        return None
    return seen if seen.tzinfo is not None else None


def _seen_next(looked: datetime) -> str:
    # "Z", not "+00:00": a "+" in a hand-made query string reads as a space.
    return (looked - SEEN_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@bp.get("/projects/<id:project_id>/discussion/<id:message_id>")
def message(project_id: int, message_id: int):
    project = _project(project_id)
    _require_part(project)
    return _one(project, _message(project, message_id))


def _one(project, message, block="message", status=200, **extra):
    if not wants_fragment():
        return redirect_htmx(url_for("discussions.thread", project_id=project.id)
                             + f"#message-{message.id}")
    return render(SECTION, block, status=status, project=project, m=message, **extra)


def _may_edit(message: Message) -> bool:
    return message.author_id == current_user.id and not message.is_deleted


def _may_delete(message: Message) -> bool:
    return not message.is_deleted and (message.author_id == current_user.id
                                       or current_user.is_admin)


def _own_message(project_id: int, message_id: int, allowed):
    """The project and its message, for someone taking part who is `allowed` to touch it."""
    project = _project(project_id)
    _require_part(project)
    message = _message(project, message_id)
    if not allowed(message):
        abort(403)
    return project, message


@bp.route("/projects/<id:project_id>/discussion/<id:message_id>/edit", methods=["GET", "POST"])
def edit(project_id: int, message_id: int):
    project, message = _own_message(project_id, message_id, _may_edit)
    if request.method == "GET":
        if not wants_fragment():
            return _edit_page(project, message)
        return _one(project, message, "message_form", body=message.body, error=None)
    text, error = services.check_body(request.form.get("body"))
    if error:
        if not wants_fragment():
            return _edit_page(project, message, text, error, 422)
        return _one(project, message, "message_form", status=422, body=text, error=error)
    services.edit(message, text)
    db.session.commit()
    return _one(project, message)


def _edit_page(project, message, body=None, error=None, status=200):
    return render("discussions/edit.html", status=status, project=project, m=message,
                  body=message.body if body is None else body, error=error)


@bp.route("/projects/<id:project_id>/discussion/<id:message_id>/delete", methods=["GET", "POST"])
def delete(project_id: int, message_id: int):
    """GET asks (in place of the message); POST deletes, leaving "Message deleted"."""
    project, message = _own_message(project_id, message_id, _may_delete)
    if request.method == "GET":
        if not wants_fragment():
            return render("discussions/edit.html", project=project, m=message, deleting=True)
        return _one(project, message, "message_delete")
    services.delete(message)
    db.session.commit()
    return _one(project, message)


@bp.get("/discussions")
def list_discussions():
    params = DISCUSSIONS.params(request.args)
    page = DISCUSSIONS.paginate(services.discussions_query(current_user.id), params)
    unread = services.unread_counts(current_user.id, [p.id for p in page.items])
    return render("discussions/list.html", "discussion_list", page=page, params=params,
                  unread=unread)
