"""The Field reports page (admins): templates with ordered, typed questions."""
from clientapp.defaults.models import FieldReportTemplate
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .factories import count
from .html import find, one, texts, words


def form_data(name="Site visit", rows=()):
    data = {"name": name, "text": [], "type": [], "options": [], "required": []}
    for index, (text, kind, required, options) in enumerate(rows):
        data["text"].append(text)
        data["type"].append(kind)
        data["options"].append(options)
        if required:
            data["required"].append(str(index))
    return data


def test_only_admins(app, manager_client, viewer_client, admin_client):
    for http in (manager_client, viewer_client):
        assert http.get("/field-reports").status_code == 403
        assert http.post("/field-reports/new", data=form_data()).status_code == 403
    page = admin_client.get("/field-reports")
    assert_page(page)
    assert words(one(page, "h1")) == "Field reports"
    assert "New template" in texts(page, "a.button")
    assert "Field reports" in texts(page, "nav a")
    assert_fragment(admin_client.get("/field-reports", htmx=True), "template-list")
    assert "Field reports" not in texts(manager_client.get("/"), "nav a")


def test_create_edit_delete_a_template(app, admin_client):
    form = admin_client.get("/field-reports/new")
    assert_page(form)
    assert_fragment(admin_client.get("/field-reports/new", htmx=True), "template-form")
    created = admin_client.post("/field-reports/new", data=form_data("<b>Visit</b>", [
        ("Arrived on time?", "yes_no", True, ""), ("", "short_text", False, ""),
        ("Mood", "choice", False, "Good\nBad"), ("Photo of the stand", "photo", True, "")]))
    assert created.status_code == 303
    with app.app_context():
        template = db.session.query(FieldReportTemplate).one()
        assert template.name == "<b>Visit</b>"
        assert template.questions == [
            {"text": "Arrived on time?", "type": "yes_no", "required": True, "options": []},
            {"text": "Mood", "type": "choice", "required": False, "options": ["Good", "Bad"]},
            {"text": "Photo of the stand", "type": "photo", "required": True, "options": []}]
        template_id, version = template.id, template.version
    listed = admin_client.get("/field-reports")
    assert "<b>Visit</b>" in texts(listed, "tbody th") and not find(listed, "tbody th b")
    edit = admin_client.get(f"/field-reports/{template_id}/edit")
    assert_page(edit)
    saved = admin_client.post(f"/field-reports/{template_id}/edit", data={
        **form_data("Visit", [("Only one", "long_text", False, "")]), "version": str(version)})
    assert saved.status_code == 303
    stale = admin_client.post(f"/field-reports/{template_id}/edit", data={
        **form_data("Visit", [("Again", "long_text", False, "")]), "version": str(version)})
    assert stale.status_code == 409
    assert admin_client.post(f"/field-reports/{template_id}/delete").status_code == 303
    assert count(app, FieldReportTemplate) == 0
    assert admin_client.get("/field-reports/99999999999999999999999/edit").status_code == 404


def test_bad_templates_are_422(app, admin_client):
    for data in (form_data("", [("Q", "yes_no", False, "")]),
                 form_data("X", []),
                 form_data("X", [("Q", "bogus", False, "")]),
                 form_data("X", [("Pick", "choice", False, "Only one")])):
        response = admin_client.post("/field-reports/new", htmx=True, data=data)
        assert_fragment(response, "template-form", 422)
        assert find(response, ".error")
    assert count(app, FieldReportTemplate) == 0


def test_more_questions_keeps_what_was_typed(app, admin_client):
    typed = form_data("Site <visit>", [("Arrived?", "yes_no", True, ""),
                                      ("Mood", "choice", False, "Good\nBad"),
                                      ("", "short_text", False, "")])
    more = admin_client.post("/field-reports/new", htmx=True, data={**typed, "more": "1"})
    assert_fragment(more, "template-form")
    assert one(more, "#template-name").attributes["value"] == "Site <visit>"
    assert [n.attributes.get("value") or "" for n in find(more, "input[name=text]")] == [
        "Arrived?", "Mood", "", "", "", ""]
    assert one(more, "#q1-options").text() == "Good\nBad"
    assert "checked" in one(more, "input[name=required][value='0']").attributes
    assert one(more, "[autofocus]").attributes["id"] == "q3-text"  # the first new row
    assert count(app, FieldReportTemplate) == 0  # nothing saved
    with app.app_context():
        template = FieldReportTemplate(name="Kept", questions=[
            {"text": "Q", "type": "short_text", "required": False}])
        db.session.add(template)
        db.session.commit()
        template_id, version = template.id, template.version
    edit_more = admin_client.post(f"/field-reports/{template_id}/edit", htmx=True, data={
        **form_data("Renamed", [("Q", "short_text", False, "")]), "more": "1",
        "version": str(version)})
    assert edit_more.status_code == 200
    assert one(edit_more, "#template-name").attributes["value"] == "Renamed"
    assert len(find(edit_more, "input[name=text]")) == 4
    with app.app_context():
        assert db.session.get(FieldReportTemplate, template_id).name == "Kept"
    # Save is the form's first button: Enter in a field saves.
    assert [b.attributes.get("name") for b in find(more, "form button[type=submit]")] == [
        None, "more"]


def test_delete_asks_first_saying_who_uses_the_template(app, admin_client):
    from clientapp.defaults.models import ClientDefaults, ProjectSettings

    from .factories import add_client, add_project

    client_id = add_client(app, "Acme")
    project_id = add_project(app, client_id, "Gala")
    with app.app_context():
        template = FieldReportTemplate(name="Tmp <b>", questions=[
            {"text": "Q", "type": "short_text", "required": False}])
        unused = FieldReportTemplate(name="Unused", questions=[])
        db.session.add_all([template, unused])
        db.session.flush()
        db.session.add(ClientDefaults(client_id=client_id, field_reports=[template.id]))
        db.session.add(ProjectSettings(project_id=project_id, field_reports=[template.id],
                                       excluded=[]))
        db.session.commit()
        template_id, unused_id = template.id, unused.id
    page = admin_client.get("/field-reports")
    link = one(page, f'a[hx-get="/field-reports/{template_id}/delete"]')
    assert words(link) == "Delete Tmp <b>" and link.attributes["hx-target"] == "body"
    dialog = admin_client.get(f"/field-reports/{template_id}/delete", htmx=True)
    assert words(one(dialog, "dialog h2")) == "Delete “Tmp <b>”?"
    assert "Chosen by 1 client, and by 1 project: they lose this field report." in words(
        one(dialog, "dialog"))
    assert "No client or project chooses it." in words(
        one(admin_client.get(f"/field-reports/{unused_id}/delete", htmx=True), "dialog"))
    assert_page(admin_client.get(f"/field-reports/{template_id}/delete"))
    assert count(app, FieldReportTemplate) == 2  # asking deleted nothing
    assert admin_client.post(f"/field-reports/{template_id}/delete").status_code == 303
    assert count(app, FieldReportTemplate) == 1
