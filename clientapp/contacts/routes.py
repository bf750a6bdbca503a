"""A contact's vCard download (the section's own routes come from sections.register)."""
from flask import Response, abort

from ..clients.blueprint import bp
from ..clients.models import Client
from ..extensions import db
from .models import Contact
from .vcard import filename, vcard


@bp.get("/<id:client_id>/contacts/<id:contact_id>/vcard")
def contact_vcard(client_id: int, contact_id: int):
    client = db.get_or_404(Client, client_id)
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.client_id != client.id:
        abort(404)
    return Response(vcard(contact, client.name), content_type="text/vcard; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{filename(contact)}"'})
