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
    GET  <page>/<name>        the view (what Cancel and a save bring back; ?refresh=1 when
                              the section reloads on another's event: it takes no focus)
    GET  <page>/<name>/edit   the form
    POST <page>/<name>        save: 422 with the errors in place, 409 with the current
                              values when someone saved first, else the view again
and for an ItemSection (a list whose items are added, edited in place and removed):
    GET  <page>/<name>/new               the view with a new item's form
    POST <page>/<name>/new               add
    GET  <page>/<name>/<id:item_id>/edit the view with that item as its form
    POST <page>/<name>/<id:item_id>      save it (422, 409 as above)
    GET  <page>/<name>/<id:item_id>/remove  the question before a removal (a modal dialog
                                         for htmx, a page of its own otherwise)
    POST <page>/<name>/<id:item_id>/remove
An item section's answers are always its whole view block (a save may move or change other
items); its template finds the form in data["item_form"] and which item it edits in
data["item_editing"] (an id, or "new").
For htmx the answer is the section's block; a plain request (no JavaScript) gets the whole
page, with that section in its form, and after a save a redirect to the page.
"""
from dataclasses import dataclass, field

from flask import abort, request, url_for
from flask_login import current_user

from .extensions import db
from .htmx import add_trigger, redirect_htmx, render, replace_url, wants_fragment


REMOVE_TEMPLATE = "_confirm_remove.html"


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

    def url_state(self) -> dict | None:
        """For a section the reader narrows (filters): the page URL's arguments that show it
        as this request asked, which the address bar takes so a reload or a shared link
        keeps them. None: the section has no state of its own in the URL."""
        return None

    def list_params(self, listing, **path):
        """The parameters of a list this section shows (its pager, its sort): the request's
        when it asks for this section itself, the list's defaults when the whole page is
        shown. `path`: the page's id argument, for the list's URLs."""
        own = request.view_args.get("name") == self.name
        return listing.params(request.args if own else {}, path={**path, "name": self.name})


class ItemSection(Section):
    """A section listing items, each added, edited in place and removed through the item
    routes (the section's own form routes stay closed). Override load_item(), item_form(),
    save_item() (item None: a new one), remove_item(); may_change() for per-item rights.
    A removal asked first (its Remove links to the item's remove URL) needs `element_id`
    (the section's element, which the answer replaces) and remove_question()."""

    editable = False
    element_id: str = ""

    def load_item(self, owner, item_id: int):
        """The item of `owner` with this id, or abort(404)."""
        raise NotImplementedError

    def may_add(self, owner) -> bool:
        return self.may_edit(owner)

    def may_change(self, owner, item) -> bool:
        return self.may_edit(owner)

    def may_remove(self, owner, item) -> bool:
        return self.may_change(owner, item)

    def item_form(self, owner, item=None):
        raise NotImplementedError

    def submitted_item(self, owner, item=None):
        return self.item_form(owner, item)

    def save_item(self, owner, item, form) -> Saved:
        raise NotImplementedError

    def remove_item(self, owner, item) -> Saved:
        raise NotImplementedError

    def remove_question(self, owner, item) -> dict:
        """The confirmation's words: {"title", "text", "button"}."""
        raise NotImplementedError


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
    # focus back to its Edit button (autofocus), which a page loading must not; nor a
    # section reloading because another one changed what it shows (?refresh=1: the user
    # is elsewhere).
    return render(section.template, block, status=status, trigger=trigger,
                  **{page.owner_name: owner}, page=page, data=data, form=form,
                  editing=section.name if form else None,
                  conflict=bool(saved and saved.conflict),
                  swapped=not request.args.get("refresh"))


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
        owner = page.load(ids[page.id_arg])
        response = _section_block(page, section, owner, "view")
        state = section.url_state()
        if state is not None and wants_fragment():
            # Replaced, not pushed: a filter is not a new page, so Back leaves the page.
            replace_url(response, url_for(page.endpoint, **{page.id_arg: owner.id}, **state))
        return response

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

    def _item_answer(section, owner, status=200, data=None, trigger=None):
        if not wants_fragment():
            return page.render(owner, status=status, editing=section.name,
                               saved=Saved(status, data or {}), trigger=trigger)
        return _section_block(page, section, owner, "view", status=status,
                              saved=Saved(status, data or {}), trigger=trigger)

    def _item_section(name):
        section = page.section(name)
        if not isinstance(section, ItemSection):
            abort(404)
        return section

    def _after_item_write(section, owner, saved):
        if saved.status is not None:
            db.session.rollback()
            owner = page.load(owner.id)
            return _item_answer(section, owner, saved.status, saved.data, saved.trigger)
        db.session.commit()
        if not wants_fragment():
            return redirect_htmx(page.url(owner))
        response = _item_answer(section, owner, data=saved.data, trigger=saved.trigger)
        add_trigger(response, "sectionSaved")
        return response

    def _item_target(name, ids, item_id, check):
        """The section, its owner and the item (None for a new one); 403 unless the
        section's `check` (may_add, may_change, may_remove) allows it."""
        section = _item_section(name)
        owner = page.load(ids[page.id_arg])
        if item_id is None:
            item, allowed = None, section.may_add(owner)
        else:
            item = section.load_item(owner, item_id)
            allowed = getattr(section, check)(owner, item)
        if not allowed:
            abort(403)
        return section, owner, item

    def _item_write(name, ids, item_id):
        section, owner, item = _item_target(name, ids, item_id, "may_change")
        form = section.submitted_item(owner, item)
        saved = section.save_item(owner, item, form)
        if saved.status is not None:
            editing = "new" if item_id is None else item_id
            saved.data = {"item_form": form, "item_editing": editing, **saved.data}
        return _after_item_write(section, owner, saved)

    def item_new(name, **ids):
        section, owner, _ = _item_target(name, ids, None, "may_add")
        return _item_answer(section, owner, data={"item_form": section.item_form(owner),
                                                  "item_editing": "new"})

    def item_add(name, **ids):
        return _item_write(name, ids, None)

    def item_edit(name, item_id, **ids):
        section, owner, item = _item_target(name, ids, item_id, "may_change")
        return _item_answer(section, owner, data={"item_form": section.item_form(owner, item),
                                                  "item_editing": item.id})

    def item_save(name, item_id, **ids):
        return _item_write(name, ids, item_id)

    def item_confirm_remove(name, item_id, **ids):
        section, owner, item = _item_target(name, ids, item_id, "may_remove")
        if not section.element_id:
            abort(404)
        return render(REMOVE_TEMPLATE, "remove_dialog", modal=wants_fragment(),
                      question=section.remove_question(owner, item),
                      action=url_for(f"{bp.name}.{page.name}_item_remove", **request.view_args),
                      target="#" + section.element_id, next_path=page.url(owner))

    def item_remove(name, item_id, **ids):
        section, owner, item = _item_target(name, ids, item_id, "may_remove")
        response = _after_item_write(section, owner, section.remove_item(owner, item))
        if wants_fragment():
            add_trigger(response, "closeDialog")  # the confirmation, when one asked
        return response

    names = ", ".join(section.name for section in page.sections)
    part = f"{rule}/<any({names}):name>"
    bp.add_url_rule(part, f"{page.name}_section", view, methods=["GET"])
    bp.add_url_rule(f"{part}/edit", f"{page.name}_section_edit", edit, methods=["GET"])
    bp.add_url_rule(part, f"{page.name}_section_save", save, methods=["POST"])
    listed = [section.name for section in page.sections if isinstance(section, ItemSection)]
    if listed:
        items = f"{rule}/<any({', '.join(listed)}):name>"
        bp.add_url_rule(f"{items}/new", f"{page.name}_item_new", item_new, methods=["GET"])
        bp.add_url_rule(f"{items}/new", f"{page.name}_item_add", item_add, methods=["POST"])
        bp.add_url_rule(f"{items}/<id:item_id>/edit", f"{page.name}_item_edit", item_edit,
                        methods=["GET"])
        bp.add_url_rule(f"{items}/<id:item_id>", f"{page.name}_item_save", item_save,
                        methods=["POST"])
        bp.add_url_rule(f"{items}/<id:item_id>/remove", f"{page.name}_item_remove",
                        item_remove, methods=["POST"])
        bp.add_url_rule(f"{items}/<id:item_id>/remove", f"{page.name}_item_confirm_remove",
                        item_confirm_remove, methods=["GET"])


