"""The timeline's "Load more" (the section's own routes come from sections.register)."""
from flask import request, url_for

from ..clients.blueprint import bp
from ..clients.profile_routes import PROFILE, get_client
from ..htmx import redirect_htmx, render, wants_fragment


@bp.get("/<id:client_id>/interactions/more")
def timeline_more(client_id: int):
    """The next page of the timeline after ?before=, as entries and a new Load more."""
    client = get_client(client_id)
    section = PROFILE.section("interactions")
    if not wants_fragment():
        return redirect_htmx(url_for("clients.profile_section", client_id=client.id,
                                     name="interactions", **request.args))
    from .section import timeline_context

    data = {**timeline_context(client, request.args), "item_form": None,
            "item_editing": None}
    return render(section.template, "timeline_more", client=client, page=PROFILE,
                  data=data, swapped=True)
