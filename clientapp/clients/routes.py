from flask import Blueprint, abort
from sqlalchemy import select

from ..extensions import db
from ..htmx import render
from .models import Client

bp = Blueprint("clients", __name__, url_prefix="/clients")


def get_client(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return client


@bp.get("")
def list_clients():
    clients = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None)).order_by(Client.name_key).limit(50)
    ).all()
    return render("clients/list.html", "client_list", clients=clients)


@bp.get("/<int:client_id>")
def profile(client_id: int):
    return render("clients/profile.html", "profile", client=get_client(client_id))
