from flask import Blueprint

from ..htmx import render

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    from ..clients.services import dashboard_figures
    from ..interactions.dashboard import latest_interactions, needs_attention

    return render("dashboard/index.html", "dashboard", clients=dashboard_figures(),
                  latest_interactions=latest_interactions(), attention=needs_attention())
