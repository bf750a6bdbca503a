from flask import Blueprint

from ..htmx import render

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    from ..clients.services import dashboard_figures
    from ..projects import services as projects

    day = projects.today()
    return render("dashboard/index.html", "dashboard", clients=dashboard_figures(),
                  projects=projects.dashboard_figures(day), project_day=day)
