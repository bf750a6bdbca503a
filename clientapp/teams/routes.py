"""A client's "Apply to upcoming projects" (its team given to the projects not started yet),
and what the Member field offers. The section's own routes come from sections.register."""
from datetime import datetime

from flask import request, url_for
from flask_babel import get_timezone, ngettext

from ..clients.blueprint import bp
from ..clients.profile_routes import get_client
from ..extensions import db
from ..htmx import render, wants_fragment
from ..notices import Notice, after_write
from ..security import referrer_path, role_required
from . import services


def today():
    return datetime.now(get_timezone()).date()


@bp.app_template_global("team_candidates")
def team_candidates(kind: str, owner_id: int):
    return services.candidates(kind, owner_id)


@bp.route("/<id:client_id>/team/apply", methods=["GET", "POST"])
@role_required("manager")
def team_apply(client_id: int):
    """GET lists the upcoming projects whose team will be replaced; POST replaces them."""
    client = get_client(client_id)
    back = url_for("clients.profile", client_id=client.id)
    if request.method == "GET":
        projects, kept = services.upcoming_projects(client.id, today())
        return render("teams/apply.html", "apply_dialog", modal=wants_fragment(),
                      client=client, projects=projects, kept=kept,
                      next_path=referrer_path() or back)
    count = services.apply_to_upcoming(client, today())
    db.session.commit()
    notice = Notice(ngettext("The management team was given to %(num)s upcoming project.",
                             "The management team was given to %(num)s upcoming projects.",
                             count))
    return after_write(notice, back, trigger="clientUpdated", close_dialog=True)
