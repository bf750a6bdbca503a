"""The client list: search, sort, pages, quick add, row menu, archive, delete."""
from flask import abort, request

from ..extensions import db
from ..htmx import render
from .blueprint import bp
from .models import Client
from .services import ListParams, list_page


def get_client(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return client


@bp.get("")
def list_clients():
    params = ListParams.from_args(request.args)
    return render("clients/list.html", "client_list", params=params, page=list_page(params))
