"""Notices: what just happened ("“Acme” archived."), with Undo when it can be taken back.

After a write, htmx gets the notice itself as the answer (the form aims it at #notices, or
at the notice whose Undo it is, which it replaces); a plain request gets a redirect and the
notice waits in the session for the next page, which shows it once (base.html).
"""
import secrets
from dataclasses import dataclass, field

from flask import session

from .htmx import add_trigger, redirect_htmx, render, wants_fragment

NOTICE_TEMPLATE = "_notice.html"


@dataclass
class Notice:
    text: str
    # A form that takes the change back: its URL and hidden fields ({"ids": [1, 2]}).
    undo_url: str | None = None
    undo_fields: dict = field(default_factory=dict)
    id: str = field(default_factory=lambda: "notice-" + secrets.token_hex(4))
    # Something to look at after all ("another staff member has this name"): marked as a
    # warning, and it stays until dismissed.
    warning: bool = False

    def as_dict(self) -> dict:
        return {"text": self.text, "undo_url": self.undo_url, "undo_fields": self.undo_fields,
                "id": self.id, "warning": self.warning}


def keep(notice: Notice) -> None:
    """For the next page a plain request lands on."""
    session.setdefault("notices", []).append(notice.as_dict())
    session.modified = True


def kept() -> list[dict]:
    """The notices waiting for this page (each shown once)."""
    return session.pop("notices", []) if "notices" in session else []


def after_write(notice: Notice | None, next_path: str, trigger=None, close_dialog=False):
    """Answer a write: for htmx the notice (and the events other regions listen for, and a
    closeDialog event that closes an open confirmation); otherwise a redirect to
    `next_path`, where the notice shows."""
    if wants_fragment():
        events = dict.fromkeys([trigger] if isinstance(trigger, str) else (trigger or ()))
        if close_dialog:
            events["closeDialog"] = None
        response = render(NOTICE_TEMPLATE, "notice", notice=notice)
        if events:
            add_trigger(response, events)
        return response
    if notice is not None:
        keep(notice)
    return redirect_htmx(next_path)
