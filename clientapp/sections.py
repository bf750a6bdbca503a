"""Sections: the parts of a page (a client's profile, a project) that show themselves,
swap to their form, save in place and swap back.

A Page is a template, the object it shows (loaded by id) and its sections. A Section is a
template file of its own (templates/<feature>/sections/<name>.html) with a `view` block
and, when it edits, a `form` block; the page includes each section's file. Within a
section's template: the object under the page's owner_name (`client`, `project`), `data`
(what the section's context() gives, plus what a save adds), while editing `form` and
`conflict` (someone saved first: the object then holds the current values), and `swapped`
(the block replaces itself in an open page: its view may autofocus its Edit button).

register(bp, page) adds, for each section, under the page's URL:
    GET  <page>/<name>        the view (what Cancel and a save bring back)
    GET  <page>/<name>/edit   the form
    POST <page>/<name>        save: 422 with the errors in place, 409 with the current
                              values when someone saved first, else the view again
For htmx the answer is the section's block; a plain request (no JavaScript) gets the whole
page, with that section in its form, and after a save a redirect to the page.
"""
from dataclasses import dataclass, field

from flask import abort, url_for
from flask_login import current_user

from .extensions import db
from .htmx import add_trigger, redirect_htmx, render, wants_fragment


@dataclass
class Saved:
    """What came of a save: `status` None when saved, 422 when a rule refused the input,
    409 when someone else saved first, or 200 when the section asks the user to confirm
    (a look-alike name); `data` goes to the template; `trigger` names the events other
    regions listen for after a save."""

    status: int | None = None
    data: dict = field(default_factory=dict)
    trigger: str | dict | None = None

    @property
    def conflict(self) -> bool:
        return self.status == 409


class Section:
    """Override name, template and context(); an editable section also form() and save()."""

    name: str = ""
    template: str = ""
    editable: bool = True
    roles: tuple = ("manager",)  # who may edit (admins always may)

    def context(self, owner) -> dict:
        return {}

    def form(self, owner):
        raise NotImplementedError

    def submitted(self, owner):
        """The form as posted (by default form() reads the request)."""
        return self.form(owner)

    def save(self, owner, form) -> Saved:
        raise NotImplementedError

    def may_edit(self, owner) -> bool:
        return current_user.is_authenticated and (
            current_user.role == "admin" or current_user.role in self.roles)


class Page:
    """A page made of sections. `load(id)` returns its object or aborts 404."""

    name: str = ""  # its sections' endpoints: <name>_section, <name>_section_edit, ..._save
    template: str = ""
    endpoint: str = ""  # the page's own view, for redirects after a plain save
    id_arg: str = ""  # the URL argument holding the object's id
    owner_name: str = "owner"  # what templates call the object ("client", "project")
    sections: tuple = ()

    def load(self, object_id: int):
        raise NotImplementedError

    def context(self, owner) -> dict:
        """What the page itself needs around its sections (its header)."""
        return {}

    def section(self, name: str) -> Section:
        for section in self.sections:
            if section.name == name:
                return section
        abort(404)

    def render(self, owner, status: int = 200, editing: str | None = None, form=None,
               saved: Saved | None = None, trigger=None, block: str | None = None):
        """The whole page; `editing` names the section shown as its form."""
        data = {section.name: section.context(owner) for section in self.sections}
        if saved is not None and editing:
            data[editing] = {**data[editing], **saved.data}
        return render(self.template, block, status=status, trigger=trigger,
                      **{self.owner_name: owner}, page=self, section_data=data,
                      editing=editing, form=form, conflict=bool(saved and saved.conflict),
                      swapped=False, **self.context(owner))

    def url(self, owner) -> str:
        return url_for(self.endpoint, **{self.id_arg: owner.id})


def _section_block(page: Page, section: Section, owner, block: str, status: int = 200,
                   form=None, saved: Saved | None = None, trigger=None):
    """One section's block for htmx; the whole page for a plain request."""
    if not wants_fragment():
        editing = section.name if block == "form" else None
        return page.render(owner, status=status, editing=editing, form=form, saved=saved,
                           trigger=trigger)
    data = section.context(owner)
    if saved is not None:
        data = {**data, **saved.data}
    # `swapped`: the section replaces itself in a page already open, so its view may take
    # focus back to its Edit button (autofocus), which a page loading must not.
    return render(section.template, block, status=status, trigger=trigger,
                  **{page.owner_name: owner}, page=page, data=data, form=form,
                  editing=section.name if form else None,
                  conflict=bool(saved and saved.conflict), swapped=True)


def render_view(page: Page, name: str, owner, saved: Saved | None = None, trigger=None):
    """A section's view after a write of its own outside save() (a staff member removed):
    its block for htmx, the whole page otherwise."""
    return _section_block(page, page.section(name), owner, "view", saved=saved,
                          trigger=trigger)


def register(bp, page: Page, rule: str) -> None:
    """Add the view, edit and save routes of every section of `page` to `bp`; `rule` is
    the page's URL rule ("/<id:client_id>")."""

    def view(name, **ids):
        section = page.section(name)
        return _section_block(page, section, page.load(ids[page.id_arg]), "view")

    def edit(name, **ids):
        section = page.section(name)
        owner = page.load(ids[page.id_arg])
        if not section.editable:
            abort(404)
        if not section.may_edit(owner):
            abort(403)
        return _section_block(page, section, owner, "form", form=section.form(owner))

    def save(name, **ids):
        section = page.section(name)
        owner = page.load(ids[page.id_arg])
        if not section.editable:
            abort(405)
        if not section.may_edit(owner):
            abort(403)
        form = section.submitted(owner)
        saved = section.save(owner, form)
        if saved.status is not None:
            db.session.rollback()
            if saved.conflict:
                owner = page.load(ids[page.id_arg])  # the current values
            return _section_block(page, section, owner, "form", status=saved.status,
                                  form=form, saved=saved, trigger=saved.trigger)
        db.session.commit()
        if not wants_fragment():
            return redirect_htmx(page.url(owner))
        response = _section_block(page, section, owner, "view", saved=saved,
                                  trigger=saved.trigger)
        add_trigger(response, "sectionSaved")
        return response

    names = ", ".join(section.name for section in page.sections)
    part = f"{rule}/<any({names}):name>"
    bp.add_url_rule(part, f"{page.name}_section", view, methods=["GET"])
    bp.add_url_rule(f"{part}/edit", f"{page.name}_section_edit", edit, methods=["GET"])
    bp.add_url_rule(part, f"{page.name}_section_save", save, methods=["POST"])


