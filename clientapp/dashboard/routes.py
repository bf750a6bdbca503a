from flask import Blueprint

from ..htmx import render

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    from ..clients.services import dashboard_figures
    from ..interactions.dashboard import latest_interactions, needs_attention
    from ..projects import services as projects

    day = projects.today()
    return render("dashboard/index.html", "dashboard", clients=dashboard_figures(),
                  projects=projects.dashboard_figures(day), project_day=day,
                  latest_interactions=latest_interactions(), attention=needs_attention())
