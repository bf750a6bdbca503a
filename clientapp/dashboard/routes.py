from flask import Blueprint

from ..htmx import render

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    from ..clients.services import dashboard_figures

    return render("dashboard/index.html", "dashboard", clients=dashboard_figures())
