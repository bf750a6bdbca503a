"""Page or fragment: the one place that decides what an htmx request gets back.

A fragment (one named block of the page template) goes to htmx requests that are neither
boosted nor history restores; every other request gets the whole page. Both carry
`Vary: HX-Request` so no cache ever serves one for the other.
"""
import json

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks

# htmx stops polling an element whose request is answered with this status.
STOP_POLLING = 286


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    return (
        is_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | list | None = None, status: int = 200, trigger=None,
           **ctx):
    """Render `block` of `template` for htmx (several blocks, one after the other, when
    `block` is a list: the others usually swap out of band), the whole template otherwise."""
    if block and wants_fragment():
        if isinstance(block, str):
            body = render_block(template, block, **ctx)
        else:
            body = render_blocks(template, block, **ctx)
    else:
        body = render_template(template, **ctx)
    response = make_response(body, status)
    vary(response)
    if trigger:
        add_trigger(response, trigger)
    return response


def vary(response):
    response.vary.add("HX-Request")
    return response


def add_trigger(response, events):
    """Merge `events` (a name, or a dict of name -> detail) into the HX-Trigger header."""
    if isinstance(events, str):
        events = {events: None}
    current = response.headers.get("HX-Trigger")
    merged = {}
    if current:
        try:
            merged = json.loads(current)
        except ValueError:
            merged = {name.strip(): None for name in current.split(",")}
    merged.update(events)
    response.headers["HX-Trigger"] = json.dumps(merged)
    return response


def redirect_htmx(location: str, status: int = 303):
    """Redirect a plain request with 303, an htmx request with HX-Redirect (never a bare 302
    that the XHR would follow and swap a whole page into a fragment)."""
    from flask import redirect

    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return vary(response)
    return vary(redirect(location, status))


def retarget(response, selector: str, swap: str | None = None):
    """Swap the answer into `selector` (with `swap`) instead of the element that asked."""
    response.headers["HX-Retarget"] = selector
    if swap:
        response.headers["HX-Reswap"] = swap
    return response


def push_url(response, url: str):
    response.headers["HX-Push-Url"] = url
    return response


def replace_url(response, url: str):
    response.headers["HX-Replace-Url"] = url
    return response
