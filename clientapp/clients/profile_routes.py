"""A client's profile: header, sections edited in place, full create and edit pages."""
from ..htmx import render
from .blueprint import bp
from .routes import get_client


@bp.get("/<int:client_id>")
def profile(client_id: int):
    return render("clients/profile.html", "profile", client=get_client(client_id))
