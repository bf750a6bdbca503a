"""The "Management team" section of a client's profile and of a project's page: members
added (a user, by name or email), their role and "In team discussions" changed in place,
removed. One section class serves both pages; `kind` says whose team it is."""
from flask import abort, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from .. import sections
from . import services


class AddMemberForm(FlaskForm):
    member = StringField(_l("Member"))


class MemberForm(FlaskForm):
    role = StringField(_l("Role on the team"))
    in_discussions = BooleanField(_l("In team discussions"))


class TeamSection(sections.ItemSection):
    name = "team"
    template = "teams/sections/team.html"

    def __init__(self, kind: str, page_endpoint: str, routes: str, id_arg: str):
        self.kind = kind  # "client" or "project"
        self.page_endpoint = page_endpoint  # the page's own view
        self.routes = routes  # what sections.register named the page's routes after
        self.id_arg = id_arg
        self.element_id = f"{kind}-team"  # Remove asks first; its answer replaces the section

    def context(self, owner):
        members = services.members(self.kind, owner.id)
        return {"kind": self.kind, "page_endpoint": self.page_endpoint, "routes": self.routes,
                "ids": {self.id_arg: owner.id}, "members": members,
                "item_form": None, "item_editing": None, "saved": None, "removed": None,
                "error_for": None, "error": None,
                "upcoming": self._upcoming(owner) if members else 0}

    def _upcoming(self, owner) -> int:
        if self.kind != "client" or not self.may_edit(owner):
            return 0
        from .routes import today

        return len(services.upcoming_projects(owner.id, today())[0])

    def load_item(self, owner, item_id):
        found = services.member(self.kind, owner.id, item_id)
        if found is None:
            abort(404)
        return found

    def remove_question(self, owner, item) -> dict:
        name = item.user.name
        text = (_("%(name)s leaves the management team of %(client)s.", name=name,
                  client=owner.name) if self.kind == "client" else
                _("%(name)s leaves this project's management team and its discussion.",
                  name=name))
        return {"title": _("Remove %(name)s from the team?", name=name), "text": text,
                "button": _("Remove")}

    def item_form(self, owner, item=None):
        return AddMemberForm(formdata=None) if item is None else MemberForm(formdata=None,
                                                                            obj=item)

    def submitted_item(self, owner, item=None):
        return AddMemberForm() if item is None else MemberForm()

    def save_item(self, owner, item, form):
        if item is None:
            user, problem = services.find_user(form.member.data)
            if user is not None and services.member(self.kind, owner.id, user.id):
                problem = _l("%(name)s is on the team already.", name=user.name)
            if problem:
                form.member.errors = [str(problem)]
                return sections.Saved(422)
            services.add(self.kind, owner, user)
            return sections.Saved(data={"saved": user.name}, trigger=self._trigger())
        role, problem = services.clean_role(form.role.data)
        if problem:
            return sections.Saved(422, {"error_for": item.user_id, "error": problem,
                                        "item_form": None, "item_editing": None})
        # A switch left unticked is absent from the form: the form says whether it was sent.
        in_discussions = request.form.get("in_discussions") in ("y", "on", "1", "true")
        if services.change(self.kind, owner, item, role, in_discussions):
            return sections.Saved(data={"saved": item.user.name}, trigger=self._trigger())
        return sections.Saved(data={})

    def remove_item(self, owner, item):
        name = item.user.name
        services.remove(self.kind, owner, item)
        return sections.Saved(data={"removed": name}, trigger=self._trigger())

    def _trigger(self):
        # The client's timeline records its team's changes; a project's page shows who takes
        # part in its discussion.
        return "clientUpdated" if self.kind == "client" else "teamChanged"
