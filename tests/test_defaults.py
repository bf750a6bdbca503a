"""Project defaults per client (issue 11): the profile's five parts, documents checked from
their content and shared with the projects that inherit them, the inheritance rules, the
Project settings section, exclusions in staffing, "Apply to upcoming projects"."""
import io
import os
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clientapp.defaults import services
from clientapp.defaults.models import ClientDefaults, Exclusion, FieldReportTemplate
from clientapp.documents.models import Document, StoredFile
from clientapp.extensions import db
from clientapp.projects.models import Assignment, Project

from .conftest import assert_fragment, assert_page
from .factories import add_client, add_project, add_staff, assign_staff, count
from .html import attr, find, one, texts, words

PARTS = ["Default location", "Information documents", "Field reports", "Notes to staff",
         "Excluded staff"]


# --- Files the tests make ---------------------------------------------------------------------

def zipped(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def ooxml(main: str) -> bytes:
    return zipped({"[Content_Types].xml": f'<?xml version="1.0"?><Types><Override '
                   f'PartName="/x" ContentType="{main}"/></Types>', "x": "data"})


GOOD = {
    "plan.pdf": (b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n", "application/pdf"),
    "map.png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
    "pic.webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
    "brief.docx": (ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml"
                         ".document.main+xml"),
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "sheet.xlsx": (ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                         ".main+xml"),
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "deck.pptx": (ooxml("application/vnd.openxmlformats-officedocument.presentationml"
                        ".presentation.main+xml"),
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "memo.odt": (zipped({"mimetype": "application/vnd.oasis.opendocument.text"}),
                 "application/vnd.oasis.opendocument.text"),
    "calc.ods": (zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}),
                 "application/vnd.oasis.opendocument.spreadsheet"),
    "show.odp": (zipped({"mimetype": "application/vnd.oasis.opendocument.presentation"}),
                 "application/vnd.oasis.opendocument.presentation"),
    "read me.txt": ("Arrivée 8 h, entrée B.\nMerci !".encode(), "text/plain"),
    "list.csv": (b"name;phone\nSam;0102\n", "text/csv"),
}

LYING = {
    "page.png": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "logo.png": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "tool.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
    "elf.txt": b"\x7fELF\x02\x01\x01\x00",
    "fake.docx": zipped({"word/document.xml": "<w/>"}),
    "odd.odt": zipped({"mimetype": "text/html"}),
    "nul.csv": b"a,b\x00,c",
}


@pytest.fixture
def upload_dir(app, tmp_path):
    path = tmp_path / "uploads"
    app.config["CLIENTAPP_UPLOAD_DIR"] = str(path)
    return path


@pytest.fixture
def client_id(app):
    return add_client(app, "Acme")


def stored_files(upload_dir) -> list[str]:
    return sorted(os.listdir(upload_dir)) if upload_dir.exists() else []


def upload(http, client_id, files: dict, htmx=True):
    data = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return http.post(f"/clients/{client_id}/defaults/documents", data=data, htmx=htmx,
                     content_type="multipart/form-data")


def save_part(http, client_id, part, htmx=True, **values):
    form = http.get(f"/clients/{client_id}/defaults/edit?part={part}", htmx=True)
    assert form.status_code == 200
    version = attr(form, "input[name=version]", "value")
    return http.post(f"/clients/{client_id}/defaults?part={part}", htmx=htmx,
                     data={"part": part, "version": version, **values})


def add_template(app, name="Site visit", questions=None) -> int:
    with app.app_context():
        template = FieldReportTemplate(name=name, questions=questions or [
            {"text": "All good?", "type": "yes_no", "required": True}])
        db.session.add(template)
        db.session.commit()
        return template.id


def set_all_defaults(app, http, client_id, upload_dir):
    template_id = add_template(app)
    staff_id = add_staff(app, "Bob <b>Banned</b>")
    assert save_part(http, client_id, "location", location_name="Salle Pleyel",
                     location_address="252 rue du Faubourg Saint-Honoré\n75008 Paris"
                     ).status_code == 200
    assert save_part(http, client_id, "notes", notes="Badge at the door.\nNo photos."
                     ).status_code == 200
    assert save_part(http, client_id, "reports", field_reports=[str(template_id)]
                     ).status_code == 200
    assert upload(http, client_id, {"plan.pdf": GOOD["plan.pdf"][0]}).status_code == 200
    assert http.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                     data={"staff": staff_id, "reason": "Late <i>twice</i>"}).status_code == 200
    return template_id, staff_id


def new_project(http, client_id, name="Gala", **fields):
    response = http.post("/projects/new", data={"name": name, "client": str(client_id),
                                                "start_date": "", "end_date": "",
                                                "start_time": "", "end_time": "",
                                                "location": "", "notes": "", **fields})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:800]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


# --- The profile's section --------------------------------------------------------------------

def test_profile_shows_project_defaults_with_its_five_parts(app, manager_client, client_id):
    page = manager_client.get(f"/clients/{client_id}")
    assert_page(page)
    assert words(one(page, "#client-defaults h2")) == "Project defaults"
    assert texts(page, "#client-defaults h3") == PARTS
    buttons = texts(page, "#client-defaults a.button, #client-defaults button")
    for label in ("Edit default location", "Edit field reports", "Edit notes to staff",
                  "Exclude staff member", "Upload documents"):
        assert label in buttons
    assert_fragment(manager_client.get(f"/clients/{client_id}/defaults", htmx=True),
                    "client-defaults")


def test_viewer_reads_but_cannot_write(app, viewer_client, client_id, upload_dir):
    page = viewer_client.get(f"/clients/{client_id}")
    assert "Edit default location" not in words(one(page, "#client-defaults"))
    assert viewer_client.get(f"/clients/{client_id}/defaults/edit?part=notes").status_code == 403
    assert viewer_client.post(f"/clients/{client_id}/defaults?part=notes",
                              data={"part": "notes", "notes": "x"}).status_code == 403
    assert upload(viewer_client, client_id, {"a.txt": b"hello"}).status_code == 403
    assert stored_files(upload_dir) == []


def test_edit_each_part_in_place_as_fragment_and_page(app, manager_client, client_id):
    form = manager_client.get(f"/clients/{client_id}/defaults/edit?part=location", htmx=True)
    assert_fragment(form, "client-defaults")
    assert one(form, "#client-location-form") is not None
    assert_page(manager_client.get(f"/clients/{client_id}/defaults/edit?part=location"))
    assert manager_client.get(f"/clients/{client_id}/defaults/edit?part=nope").status_code == 404
    saved = save_part(manager_client, client_id, "location", location_name="<b>Pleyel</b>",
                      location_address="1 rue\nParis")
    assert_fragment(saved, "client-defaults")
    assert "<b>Pleyel</b>" in words(one(saved, "#client-defaults"))  # shown as text
    assert find(saved, "#client-defaults strong b") == []
    plain = save_part(manager_client, client_id, "notes", htmx=False, notes="Line 1\nLine 2")
    assert plain.status_code == 303
    with app.app_context():
        row = db.session.get(ClientDefaults, client_id)
        assert (row.location_name, row.location_address, row.notes) == (
            "<b>Pleyel</b>", "1 rue\nParis", "Line 1\nLine 2")
        from clientapp.activity import Event

        assert db.session.scalars(select(Event.kind).where(Event.client_id == client_id)
                                  ).all() == ["defaults.changed"] * 2
    timeline = manager_client.get(f"/clients/{client_id}/interactions", htmx=True)
    assert "Project defaults changed: Notes to staff." in words(one(timeline, "body"))


def test_stale_version_409_and_bad_report_422(app, manager_client, client_id):
    form = manager_client.get(f"/clients/{client_id}/defaults/edit?part=notes", htmx=True)
    version = attr(form, "input[name=version]", "value")
    assert save_part(manager_client, client_id, "notes", notes="first").status_code == 200
    late = manager_client.post(f"/clients/{client_id}/defaults?part=notes", htmx=True,
                               data={"part": "notes", "version": version, "notes": "second"})
    assert late.status_code == 409
    bad = save_part(manager_client, client_id, "reports", field_reports=["999999"])
    assert bad.status_code == 422
    assert "Choose among the field report templates." in words(one(bad, "#client-defaults"))
    long = save_part(manager_client, client_id, "location", location_name="x" * 300)
    assert long.status_code == 422


# --- Documents --------------------------------------------------------------------------------

def test_every_accepted_type_is_stored_under_a_generated_name(app, manager_client, client_id,
                                                              upload_dir):
    response = upload(manager_client, client_id, {n: c for n, (c, _) in GOOD.items()})
    assert_fragment(response, "client-defaults")
    with app.app_context():
        docs = {d.name: d.content_type for d in services.documents("client", client_id)}
    assert docs == {name: kind for name, (_, kind) in GOOD.items()}
    files = stored_files(upload_dir)
    assert len(files) == len(GOOD)
    assert not set(files) & set(GOOD)  # never the uploaded name
    names = texts(response, "#client-defaults table.documents th[scope=row]")
    assert "read me.txt" in names


@pytest.mark.parametrize("name", sorted(LYING))
def test_lying_files_are_refused_and_nothing_stored(app, manager_client, client_id, upload_dir,
                                                    name):
    response = upload(manager_client, client_id, {"ok.txt": b"fine", name: LYING[name]})
    assert response.status_code == 422
    assert "is not a file type this app keeps" in words(one(response, "#client-defaults"))
    assert stored_files(upload_dir) == []
    assert count(app, Document) == 0 and count(app, StoredFile) == 0


def test_over_the_limit_gets_a_rendered_413_and_nothing_stored(app, manager_client, client_id,
                                                               upload_dir):
    app.config["CLIENTAPP_UPLOAD_MAX_BYTES"] = 1000
    response = upload(manager_client, client_id, {"a.txt": b"small",
                                                  "b.txt": b"x" * 1001}, htmx=False)
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)
    assert stored_files(upload_dir) == []
    assert count(app, StoredFile) == 0


def test_no_file_is_422(app, manager_client, client_id, upload_dir):
    response = upload(manager_client, client_id, {})
    assert response.status_code == 422


def test_interrupted_upload_leaves_no_orphan(app, manager_client, client_id, upload_dir,
                                             monkeypatch):
    from clientapp.defaults import services as defaults_services

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(defaults_services, "_after_documents", broken)
    manager_client.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(manager_client, client_id, {"a.txt": b"hello"})
    assert response.status_code == 500
    assert stored_files(upload_dir) == []


def test_download_rename_remove(app, manager_client, viewer_client, client, client_id,
                                upload_dir):
    upload(manager_client, client_id, {"<b>plan</b>.pdf": GOOD["plan.pdf"][0]})
    with app.app_context():
        doc = services.documents("client", client_id)[0]
        doc_id = doc.id
    download = viewer_client.get(f"/documents/{doc_id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == GOOD["plan.pdf"][0]
    download.close()
    assert client.get(f"/documents/{doc_id}").status_code in (302, 303, 401)
    assert viewer_client.get("/documents/99999999999999999999").status_code == 404
    form = manager_client.get(f"/clients/{client_id}/defaults/documents/{doc_id}/rename",
                              htmx=True)
    assert_fragment(form, "client-defaults")
    assert manager_client.post(f"/clients/{client_id}/defaults/documents/{doc_id}/rename",
                               htmx=True, data={"name": ""}).status_code == 422
    renamed = manager_client.post(f"/clients/{client_id}/defaults/documents/{doc_id}/rename",
                                  htmx=True, data={"name": "Floor plan.pdf"})
    assert "Floor plan.pdf" in texts(renamed, "table.documents th[scope=row]")
    assert len(stored_files(upload_dir)) == 1
    removed = manager_client.post(f"/clients/{client_id}/defaults/documents/{doc_id}/remove",
                                  htmx=True)
    assert removed.status_code == 200
    assert stored_files(upload_dir) == []
    other = add_client(app, "Other")
    assert manager_client.post(f"/clients/{other}/defaults/documents/{doc_id}/remove"
                               ).status_code == 404


# --- Inheritance ------------------------------------------------------------------------------

def test_a_new_project_inherits_all_five_and_shares_the_files(app, manager_client, client_id,
                                                              upload_dir):
    template_id, staff_id = set_all_defaults(app, manager_client, client_id, upload_dir)
    project_id = new_project(manager_client, client_id)
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project.location == ("Salle Pleyel\n252 rue du Faubourg Saint-Honoré\n"
                                    "75008 Paris")
        assert project.notes == "Badge at the door.\nNo photos."
        settings = services.settings_of(project)
        assert settings.field_reports == [template_id]
        assert services.excluded_from(project) == {staff_id: "Late <i>twice</i>"}
        docs = services.documents("project", project_id)
        assert [d.name for d in docs] == ["plan.pdf"]
        assert docs[0].file_id == services.documents("client", client_id)[0].file_id
    assert len(stored_files(upload_dir)) == 1  # shared, not copied
    page = manager_client.get(f"/projects/{project_id}")
    assert_page(page)
    section = one(page, "#project-settings")
    assert words(one(page, "#project-settings h2")) == "Project settings"
    assert texts(page, "#project-settings .badge") == ["From client defaults"] * 5
    assert "Late <i>twice</i>" in words(section)
    assert_fragment(manager_client.get(f"/projects/{project_id}/settings", htmx=True),
                    "project-settings")


def test_later_changes_do_not_flow_but_apply_to_upcoming_does(app, manager_client, client_id,
                                                              upload_dir):
    set_all_defaults(app, manager_client, client_id, upload_dir)
    project_id = new_project(manager_client, client_id)
    changed_id = new_project(manager_client, client_id, name="Own notes")
    started = new_project(manager_client, client_id, name="Started",
                          start_date=(date.today() - timedelta(days=3)).isoformat())
    form = manager_client.get(f"/projects/{changed_id}/settings/edit?part=notes", htmx=True)
    assert manager_client.post(f"/projects/{changed_id}/settings?part=notes", htmx=True, data={
        "part": "notes", "version": attr(form, "input[name=version]", "value"),
        "notes": "Ours"}).status_code == 200
    assert save_part(manager_client, client_id, "notes", notes="New notes").status_code == 200
    with app.app_context():
        assert db.session.get(Project, project_id).notes == "Badge at the door.\nNo photos."
    dialog = manager_client.get(f"/clients/{client_id}/defaults/apply", htmx=True)
    assert dialog.status_code == 200
    listed = texts(dialog, "li")
    assert any("Gala" in t for t in listed) and not any("Started" in t for t in listed)
    assert manager_client.post(f"/clients/{client_id}/defaults/apply",
                               htmx=True).status_code == 200
    with app.app_context():
        assert db.session.get(Project, project_id).notes == "New notes"
        assert db.session.get(Project, changed_id).notes == "Ours"
        assert db.session.get(Project, started).notes == "Badge at the door.\nNo photos."


def test_override_then_reset_to_client_default(app, manager_client, client_id, upload_dir):
    set_all_defaults(app, manager_client, client_id, upload_dir)
    project_id = new_project(manager_client, client_id)
    form = manager_client.get(f"/projects/{project_id}/settings/edit?part=location", htmx=True)
    assert_fragment(form, "project-settings")
    saved = manager_client.post(f"/projects/{project_id}/settings?part=location", htmx=True,
                                data={"part": "location", "location": "Elsewhere",
                                      "version": attr(form, "input[name=version]", "value")})
    assert saved.status_code == 200
    assert "Changed for this project" in texts(saved, "#project-settings .badge")
    assert "Reset to client default (location)" in texts(saved, "#project-settings a.button")
    reset = manager_client.post(f"/projects/{project_id}/settings/location/reset", htmx=True)
    assert_fragment(reset, "project-settings")
    assert texts(reset, "#project-settings .badge") == ["From client defaults"] * 5
    with app.app_context():
        assert db.session.get(Project, project_id).location.startswith("Salle Pleyel")
    # The Details section's location edit marks it too; a plain reset redirects.
    with app.app_context():
        from clientapp.projects.services import update_project

        update_project(db.session.get(Project, project_id), {"location": "Other"})
        db.session.commit()
        assert services.settings_of(db.session.get(Project, project_id)).location_changed
    assert manager_client.post(f"/projects/{project_id}/settings/location/reset"
                               ).status_code == 303
    assert manager_client.post(f"/projects/{project_id}/settings/nope/reset").status_code == 404


def test_project_document_removed_keeps_the_clients_file(app, manager_client, client_id,
                                                         upload_dir):
    upload(manager_client, client_id, {"plan.pdf": GOOD["plan.pdf"][0]})
    project_id = new_project(manager_client, client_id)
    with app.app_context():
        doc_id = services.documents("project", project_id)[0].id
    response = manager_client.post(f"/projects/{project_id}/settings/documents/{doc_id}/remove",
                                   htmx=True)
    assert "Changed for this project" in texts(response, "#project-settings .badge")
    assert len(stored_files(upload_dir)) == 1
    with app.app_context():
        client_doc = services.documents("client", client_id)[0].id
    manager_client.post(f"/clients/{client_id}/defaults/documents/{client_doc}/remove")
    assert stored_files(upload_dir) == []


# --- Exclusions -------------------------------------------------------------------------------

def test_exclude_form_and_refusals(app, manager_client, client_id):
    form = manager_client.get(f"/clients/{client_id}/defaults/exclude", htmx=True)
    assert_fragment(form, "client-defaults")
    assert words(one(form, "label[for=client-exclude-staff]")) == "Staff member"
    assert "Exclude" in texts(form, "#client-exclude-form button")
    assert_page(manager_client.get(f"/clients/{client_id}/defaults/exclude"))
    missing = manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                                  data={"staff": "424242"})
    assert missing.status_code == 422
    assert manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                               data={"staff": ""}).status_code == 422
    assert manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                               data={"staff": "abc"}).status_code == 422


def test_staffing_an_excluded_member_is_refused_with_the_reason(app, manager_client,
                                                                client_id):
    staff_id = add_staff(app, "Bob")
    manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                        data={"staff": staff_id, "reason": "Asked by the client"})
    project_id = new_project(manager_client, client_id)
    assert_unstaffable(app, manager_client, project_id, staff_id,
                       "Bob is excluded from this client's projects: Asked by the client")


def assert_unstaffable(app, http, project_id, staff_id, message):
    """The staff picker shows the person disabled (naming the exclusion) and a crafted
    request to staff them is refused with `message`."""
    picker = http.get(f"/projects/{project_id}/staff/edit", htmx=True)
    option = one(picker, f'option[value="{staff_id}"]')
    assert "disabled" in option.attributes and "excluded" in words(option)
    refused = http.post(f"/projects/{project_id}/staff", htmx=True,
                        data={"staff": str(staff_id)})
    assert refused.status_code == 422
    assert message in words(one(refused, "#project-staff"))
    assert count(app, Assignment) == 0


def test_excluding_someone_staffed_on_upcoming_projects_asks_to_remove_them(
        app, manager_client, client_id):
    staff_id = add_staff(app, "Carl")
    upcoming = add_project(app, client_id, "Soon", start=date.today() + timedelta(days=10))
    past = add_project(app, client_id, "Done", start=date.today() - timedelta(days=10))
    assign_staff(app, upcoming, staff_id)
    assign_staff(app, past, staff_id)
    asked = manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                                data={"staff": staff_id, "reason": "No"})
    assert asked.status_code == 200
    assert any("Soon" in t for t in texts(asked, "#client-exclude-form li"))
    assert count(app, Exclusion) == 0
    done = manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                               data={"staff": staff_id, "reason": "No", "remove": "yes"})
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(Assignment, (upcoming, staff_id)) is None
        assert db.session.get(Assignment, (past, staff_id)) is not None
    removed = manager_client.post(f"/clients/{client_id}/defaults/excluded/{staff_id}/remove",
                                  htmx=True)
    assert removed.status_code == 200 and count(app, Exclusion) == 0


def test_writes_need_csrf(app, manager_client, client_id):
    assert manager_client.post(f"/clients/{client_id}/defaults/exclude", csrf=False,
                               data={"staff": "1"}).status_code == 400


# --- A change of client -----------------------------------------------------------------------

def details(app, project_id, **changes):
    with app.app_context():
        project = db.session.get(Project, project_id)
        data = {"name": project.name, "client": str(project.client_id or ""),
                "start_date": project.start_date.isoformat() if project.start_date else "",
                "end_date": "", "start_time": "", "end_time": "",
                "location": project.location or "", "version": str(project.version)}
    data.update(changes)
    return data


def test_changing_the_client_asks_whether_to_take_its_defaults(app, manager_client, client_id,
                                                                upload_dir):
    other = add_client(app, "Other")
    save_part(manager_client, other, "notes", notes="Other's notes")
    project_id = new_project(manager_client, client_id)
    asked = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                                data=details(app, project_id, client=str(other)))
    assert asked.status_code == 200
    assert one(asked, "#client-change-question") is not None
    with app.app_context():
        assert db.session.get(Project, project_id).client_id == client_id  # not yet
    kept = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                               data={**details(app, project_id, client=str(other)),
                                     "take_defaults": "no"})
    assert_fragment(kept, "project-details")
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project.client_id == other and project.notes is None
    back = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                               data={**details(app, project_id, client=str(client_id)),
                                     "take_defaults": "no"})
    assert back.status_code == 200
    taken = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                                data={**details(app, project_id, client=str(other)),
                                      "take_defaults": "yes"})
    assert taken.status_code == 200
    with app.app_context():
        assert db.session.get(Project, project_id).notes == "Other's notes"


def test_a_started_projects_client_change_asks_nothing(app, manager_client, client_id):
    other = add_client(app, "Other")
    project_id = add_project(app, client_id, "Running", start=date.today() - timedelta(days=1))
    response = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                                   data=details(app, project_id, client=str(other)))
    assert response.status_code == 200 and not find(response, "#client-change-question")
    with app.app_context():
        assert db.session.get(Project, project_id).client_id == other


def test_a_project_moving_to_another_client_is_on_both_timelines(app, manager_client,
                                                                   client_id):
    other = add_client(app, "Other <Co>")
    project_id = add_project(app, client_id, "Running", start=date.today() - timedelta(days=1))
    manager_client.post(f"/projects/{project_id}/details", htmx=True,
                        data=details(app, project_id, client=str(other)))
    # Newest first: the move, above the project's creation.
    left = words(find(manager_client.get(f"/clients/{client_id}"),
                      "#client-interactions li.timeline-entry")[0])
    assert "Project Running moved to Other <Co>." in left
    joined = manager_client.get(f"/clients/{other}")
    assert "Project Running moved here from Acme" in words(
        find(joined, "#client-interactions li.timeline-entry")[0])
    assert one(joined, "#client-interactions li.timeline-entry a[href='/projects/%d']"
               % project_id)
    manager_client.post(f"/projects/{project_id}/details", htmx=True,
                        data=details(app, project_id, client=""))
    assert "Project Running no longer belongs to this client." in words(find(
        manager_client.get(f"/clients/{other}"), "#client-interactions li.timeline-entry")[0])


def test_the_newest_documents_show_and_show_all_brings_the_rest(app, manager_client,
                                                                 client_id, upload_dir):
    upload(manager_client, client_id, {f"doc-{i:02}.txt": b"text" for i in range(25)})
    page = manager_client.get(f"/clients/{client_id}")
    names = texts(page, "#client-defaults table.documents th[scope=row]")
    assert len(names) == 20 and names[0] == "doc-24.txt"
    assert "Show all 25 documents" in texts(page, "#client-defaults a")
    everything = manager_client.get(f"/clients/{client_id}/defaults?documents=all", htmx=True)
    assert_fragment(everything, "client-defaults")
    assert len(texts(everything, "table.documents th[scope=row]")) == 25
    assert len(texts(manager_client.get(f"/clients/{client_id}?documents=all"),
                     "#client-defaults table.documents th[scope=row]")) == 25


def test_a_projects_own_exclusions(app, manager_client, client_id):
    staff_id = add_staff(app, "Dana")
    project_id = new_project(manager_client, client_id)
    assign_staff(app, project_id, staff_id)
    asked = manager_client.post(f"/projects/{project_id}/settings/exclude", htmx=True,
                                data={"staff": staff_id, "reason": "<script>x</script>"})
    assert asked.status_code == 200 and find(asked, "#project-exclude-form li")
    done = manager_client.post(f"/projects/{project_id}/settings/exclude", htmx=True,
                               data={"staff": staff_id, "reason": "<script>x</script>",
                                     "remove": "yes"})
    assert_fragment(done, "project-settings")
    assert "<script>x</script>" in words(one(done, "#project-settings"))
    assert "Changed for this project" in texts(done, "#project-settings .badge")
    assert count(app, Assignment) == 0
    with app.app_context():
        assert services.excluded_from(db.session.get(Project, project_id)) == {
            staff_id: "<script>x</script>"}
    back = manager_client.post(f"/projects/{project_id}/settings/excluded/{staff_id}/remove",
                               htmx=True)
    assert back.status_code == 200
    assert manager_client.post(f"/projects/{project_id}/settings/excluded/{staff_id}/remove",
                               htmx=True).status_code == 404
    reset = manager_client.post(f"/projects/{project_id}/settings/excluded/reset", htmx=True)
    assert texts(reset, "#project-settings .badge") == ["From client defaults"] * 5


def test_a_duplicate_inherits_and_a_deleted_project_frees_its_files(app, manager_client,
                                                                    client_id, upload_dir):
    set_all_defaults(app, manager_client, client_id, upload_dir)
    source = new_project(manager_client, client_id)
    with app.app_context():
        project = db.session.get(Project, source)
        location, notes = project.location, project.notes
    # The duplicate's form carries the source's location and notes: the same as the
    # defaults, so still "From client defaults"; a typed location is the project's own.
    copy = new_project(manager_client, client_id, name="Gala (copy)", location="Elsewhere",
                       notes=notes)
    page = manager_client.get(f"/projects/{copy}")
    badges = texts(page, "#project-settings .badge")
    assert badges.count("Changed for this project") == 1
    with app.app_context():
        assert db.session.get(Project, copy).location == "Elsewhere"
        assert len(services.documents("project", copy)) == 1
    # The client's document removed: the projects keep the file until they are deleted.
    with app.app_context():
        client_doc = services.documents("client", client_id)[0].id
    manager_client.post(f"/clients/{client_id}/defaults/documents/{client_doc}/remove")
    assert len(stored_files(upload_dir)) == 1
    for project_id in (source, copy):
        assert manager_client.post(f"/projects/{project_id}/delete",
                                   data={"next": "/projects"}).status_code == 303
    assert stored_files(upload_dir) == [] and count(app, StoredFile) == 0
    assert location.startswith("Salle Pleyel")


def test_a_body_naming_another_part_changes_nothing_else(app, manager_client, client_id):
    project_id = new_project(manager_client, client_id)
    form = manager_client.get(f"/projects/{project_id}/settings/edit?part=notes", htmx=True)
    response = manager_client.post(f"/projects/{project_id}/settings?part=notes", htmx=True,
                                   data={"part": "reports", "notes": "Ours",
                                         "version": attr(form, "input[name=version]",
                                                         "value")})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Project, project_id).notes == "Ours"


def test_a_refused_upload_without_javascript_is_the_page_with_the_error(app, manager_client,
                                                                        client_id, upload_dir):
    response = upload(manager_client, client_id, {"page.png": LYING["page.png"]}, htmx=False)
    assert_page(response, 422)
    assert "is not a file type this app keeps" in words(one(response, "#client-defaults"))
    timeline = manager_client.get(f"/clients/{client_id}")
    assert "Project defaults changed" not in words(one(timeline, "body"))


def test_a_projects_own_upload_and_a_viewer_of_its_settings(app, manager_client,
                                                            viewer_client, client_id,
                                                            upload_dir):
    project_id = new_project(manager_client, client_id)
    response = manager_client.post(f"/projects/{project_id}/settings/documents", htmx=True,
                                   data={"files": [(io.BytesIO(GOOD["map.png"][0]),
                                                    "map.png")]},
                                   content_type="multipart/form-data")
    assert_fragment(response, "project-settings")
    assert "map.png" in texts(response, "table.documents th[scope=row]")
    assert "Changed for this project" in texts(response, "#project-settings .badge")
    assert count(app, Document) == 1 and len(stored_files(upload_dir)) == 1
    page = viewer_client.get(f"/projects/{project_id}")
    assert_page(page)
    assert not find(page, "#project-settings form")
    assert viewer_client.post(f"/projects/{project_id}/settings/notes/reset").status_code == 403
    assert viewer_client.get(f"/projects/{project_id}/settings/exclude").status_code == 403


def test_a_deleted_client_frees_its_documents_files(app, manager_client, client_id,
                                                    upload_dir):
    upload(manager_client, client_id, {"plan.pdf": GOOD["plan.pdf"][0]})
    assert len(stored_files(upload_dir)) == 1
    response = manager_client.post(f"/clients/{client_id}/delete")
    assert response.status_code == 303
    assert stored_files(upload_dir) == [] and count(app, StoredFile) == 0


# --- Exclusions on projects created before them -----------------------------------------------

def test_an_exclusion_added_later_holds_on_the_clients_existing_projects(app, manager_client,
                                                                         client_id):
    bob = add_staff(app, "Bob")
    project_id = new_project(manager_client, client_id,
                             start_date=(date.today() + timedelta(days=20)).isoformat())
    assert manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                               data={"staff": bob, "reason": "Rude"}).status_code == 200
    assert_unstaffable(app, manager_client, project_id, bob,
                       "Bob is excluded from this client's projects: Rude")
    # The project's value no longer matches the client's: it does not claim it does.
    page = manager_client.get(f"/projects/{project_id}")
    part = "#project-settings [aria-labelledby=project-excluded-title]"
    assert texts(page, f"{part} .badge") == ["From client defaults, before they changed"]
    assert "Bob · Rude (excluded by the client's defaults)" in words(one(page, part))
    assert not find(page, f"{part} ul.excluded-staff form")  # let back on the client only
    assert manager_client.post(f"/projects/{project_id}/settings/excluded/{bob}/remove",
                               htmx=True).status_code == 422
    reset = manager_client.post(f"/projects/{project_id}/settings/excluded/reset", htmx=True)
    assert texts(reset, "#project-settings .badge") == ["From client defaults"] * 5


def test_the_projects_exclusion_picker_leaves_out_who_is_excluded_already(app, manager_client,
                                                                          client_id):
    bob, dana = add_staff(app, "Bob"), add_staff(app, "Dana")
    manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                        data={"staff": bob, "reason": ""})
    project_id = new_project(manager_client, client_id)
    form = manager_client.get(f"/projects/{project_id}/settings/exclude", htmx=True)
    offered = [o.attributes["value"] for o in find(form, "#project-exclude-staff option")]
    assert str(bob) not in offered and str(dana) in offered
    again = manager_client.post(f"/projects/{project_id}/settings/exclude", htmx=True,
                                data={"staff": str(bob), "reason": ""})
    assert again.status_code == 422
    assert words(one(again, "#project-exclude-staff-error")) == "Bob is already excluded."
    client_form = manager_client.get(f"/clients/{client_id}/defaults/exclude", htmx=True)
    assert str(bob) not in [o.attributes["value"]
                            for o in find(client_form, "#client-exclude-staff option")]


def test_apply_lists_and_removes_excluded_people_who_are_staffed(app, manager_client,
                                                                 client_id):
    bob, chloe = add_staff(app, "Bob"), add_staff(app, "Chloé")
    soon = (date.today() + timedelta(days=20)).isoformat()
    project_id = new_project(manager_client, client_id, start_date=soon)
    assign_staff(app, project_id, bob)
    assign_staff(app, project_id, chloe)
    manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                        data={"staff": bob, "reason": "Rude", "remove": "no"})
    # Staffed and excluded: flagged on the project, never silently.
    staff = one(manager_client.get(f"/projects/{project_id}"), "#project-staff")
    assert "Excluded from this client's projects: Rude" in words(staff)
    dialog = manager_client.get(f"/clients/{client_id}/defaults/apply", htmx=True)
    assert texts(dialog, "ul.apply-leaving li") == ["Bob · Gala (Rude)"]
    assert manager_client.post(f"/clients/{client_id}/defaults/apply",
                               htmx=True).status_code == 200
    with app.app_context():
        assert db.session.get(Assignment, (project_id, bob)) is None
        assert db.session.get(Assignment, (project_id, chloe)) is not None
        assert services.project_excluded(db.session.get(Project, project_id)) == {bob: "Rude"}
    assert not find(manager_client.get(f"/clients/{client_id}/defaults/apply", htmx=True),
                    "ul.apply-leaving")


# --- One place per value, sections that depend on each other reload ------------------------

def test_location_and_notes_are_edited_in_project_settings_only(app, manager_client,
                                                                client_id):
    project_id = new_project(manager_client, client_id, location="Hall 1", notes="Gate B")
    details_form = manager_client.get(f"/projects/{project_id}/details/edit", htmx=True)
    assert not find(details_form, "[name=location]") and not find(details_form, "[name=notes]")
    page = manager_client.get(f"/projects/{project_id}")
    assert [words(h) for h in find(page, "#project-settings h3")][::4] == ["Location",
                                                                          "Excluded staff"]
    assert len(find(page, "#project-notes-title")) == 1
    assert len(find(page, "#project-notes-edit")) == 1
    assert not find(page, "#project-details [name=location]")
    # The New project form keeps both fields.
    new_form = manager_client.get(f"/projects/new?client={client_id}")
    assert find(new_form, "textarea[name=location]") and find(new_form, "textarea[name=notes]")


def test_excluding_a_staffed_person_reloads_the_staff_section(app, manager_client, client_id):
    dana = add_staff(app, "Dana")
    project_id = new_project(manager_client, client_id)
    assign_staff(app, project_id, dana)
    page = manager_client.get(f"/projects/{project_id}")
    staff = one(page, "#project-staff")
    assert staff.attributes["hx-trigger"] == "projectStaffChanged from:body"
    reload_url = staff.attributes["hx-get"]
    done = manager_client.post(f"/projects/{project_id}/settings/exclude", htmx=True,
                               data={"staff": dana, "reason": "", "remove": "yes"})
    assert "projectStaffChanged" in done.headers["HX-Trigger"]
    reloaded = manager_client.get(reload_url, htmx=True)
    assert_fragment(reloaded, "project-staff")
    assert "Dana" not in words(one(reloaded, "#project-staff"))
    assert not find(reloaded, "[autofocus]")  # the user is in the settings, not here


def test_a_new_clients_defaults_reload_the_settings_section(app, manager_client, client_id):
    other = add_client(app, "Other")
    save_part(manager_client, other, "notes", notes="Other's notes")
    project_id = new_project(manager_client, client_id,
                             start_date=(date.today() + timedelta(days=9)).isoformat())
    settings = one(manager_client.get(f"/projects/{project_id}"), "#project-settings")
    assert settings.attributes["hx-trigger"] == "projectSettingsChanged from:body"
    reload_url = settings.attributes["hx-get"]
    taken = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                                data={**details(app, project_id, client=str(other)),
                                      "take_defaults": "yes"})
    assert taken.status_code == 200
    assert "projectSettingsChanged" in taken.headers["HX-Trigger"]
    reloaded = manager_client.get(reload_url, htmx=True)
    assert "Other's notes" in words(one(reloaded, "#project-settings"))
    assert not find(reloaded, "[autofocus]")


def test_the_client_change_question_has_the_only_autofocus(app, manager_client, client_id):
    other = add_client(app, "Other")
    project_id = new_project(manager_client, client_id,
                             start_date=(date.today() + timedelta(days=9)).isoformat())
    asked = manager_client.post(f"/projects/{project_id}/details", htmx=True,
                                data=details(app, project_id, client=str(other)))
    assert asked.status_code == 200 and find(asked, "#client-change-question")
    focused = find(asked, "[autofocus]")
    assert [(node.tag, node.attributes.get("value")) for node in focused] == [
        ("button", "yes")]


def test_the_new_project_form_says_what_an_empty_field_inherits(app, manager_client,
                                                                client_id):
    save_part(manager_client, client_id, "location", location_name="Salle <b>Pleyel</b>",
              location_address="1 rue\nParis")
    save_part(manager_client, client_id, "notes", notes="Badge")
    form = manager_client.get(f"/projects/new?client={client_id}")
    assert words(one(form, "#location-hint")) == (
        "Left empty: the default location of “Acme” is used (Salle <b>Pleyel</b>, 1 rue, "
        "Paris). Anything typed here replaces it for this project.")
    assert not find(form, "#location-hint b")
    assert "Left empty: the default notes to staff of “Acme” are used." in words(
        one(form, "#notes-hint"))
    assert attr(form, "#location", "aria-describedby") == "location-hint"
    bare = manager_client.get("/projects/new")
    assert not find(bare, "#location-hint")
    assert "Left empty" not in words(one(bare, "#notes-hint"))


# --- Documents: asked before removal, focus, names, errors by the form ------------------------

def test_removing_a_document_asks_first_and_focus_lands_on_the_next_row(app, manager_client,
                                                                         client_id, upload_dir):
    upload(manager_client, client_id, {"a.txt": b"one", "b.txt": b"two", "c.txt": b"three"})
    with app.app_context():
        a, b, c = [d.id for d in services.documents("client", client_id)]
    base = f"/clients/{client_id}/defaults/documents"
    page = manager_client.get(f"/clients/{client_id}")
    link = one(page, f'a[hx-get="{base}/{b}/remove"]')
    assert words(link) == "Remove b.txt" and link.attributes["hx-target"] == "body"
    dialog = manager_client.get(f"{base}/{b}/remove", htmx=True)
    assert words(one(dialog, "dialog h2")) == "Remove “b.txt”?"
    assert attr(dialog, "dialog form", "hx-post") == f"{base}/{b}/remove"
    assert attr(dialog, "dialog form", "hx-target") == "#client-defaults"
    assert_page(manager_client.get(f"{base}/{b}/remove"))  # a page of its own without JS
    assert count(app, Document) == 3  # asking removed nothing
    removed = manager_client.post(f"{base}/{b}/remove", htmx=True)
    assert_fragment(removed, "client-defaults")
    assert "closeDialog" in removed.headers["HX-Trigger"]
    # Newest first: c, (b), a — focus on the row after the removed one.
    assert words(one(removed, "[autofocus]")) == "a.txt"
    last = manager_client.post(f"{base}/{a}/remove", htmx=True)
    assert words(one(last, "[autofocus]")) == "c.txt"
    gone = manager_client.post(f"{base}/{c}/remove", htmx=True)
    assert words(one(gone, "[autofocus]")) == "Upload documents"
    assert manager_client.get(f"{base}/{c}/remove", htmx=True).status_code == 404


def test_focus_after_upload_rename_and_a_refused_upload(app, manager_client, client_id,
                                                        upload_dir):
    uploaded = upload(manager_client, client_id, {"a.txt": b"one"})
    assert words(one(uploaded, "[autofocus]")) == "Upload documents"
    with app.app_context():
        doc_id = services.documents("client", client_id)[0].id
    renamed = manager_client.post(f"/clients/{client_id}/defaults/documents/{doc_id}/rename",
                                  htmx=True, data={"name": "Arrival"})
    assert words(one(renamed, "[autofocus]")) == "Arrival"
    refused = upload(manager_client, client_id, {"page.png": LYING["page.png"]})
    assert refused.status_code == 422
    assert attr(refused, "[autofocus]", "id") == "client-documents-files"
    assert attr(refused, "#client-documents-files", "aria-describedby") == \
        "client-documents-error"
    # The error stands inside the upload form, not at the top of the section.
    assert "is not a file type" in words(one(refused, "#client-documents-upload [role=alert]"))


def test_an_oversize_upload_replaces_the_section_with_the_error_by_the_form(
        app, manager_client, client_id, upload_dir):
    app.config["CLIENTAPP_UPLOAD_MAX_BYTES"] = 1000
    response = upload(manager_client, client_id, {"big.txt": b"x" * 1001})
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#client-defaults"
    assert response.headers["HX-Reselect"] == "#client-defaults"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert_fragment(response, "client-defaults", 413)
    assert "nothing was stored" in words(one(response, "#client-documents-error"))
    assert "hidden" in one(response, "progress").attributes
    assert stored_files(upload_dir) == []


def test_a_download_keeps_the_stored_types_extension(app, manager_client, viewer_client,
                                                     client_id, upload_dir):
    upload(manager_client, client_id, {"badge.png": GOOD["map.png"][0],
                                       "notes.txt": b"hello", "photo.jpeg": GOOD["photo.jpg"][0]})
    with app.app_context():
        png, txt, jpeg = [d.id for d in services.documents("client", client_id)]
    base = f"/clients/{client_id}/defaults/documents"
    for doc_id, name in ((png, "badge.exe"), (txt, "Consignes d'arrivée")):
        assert manager_client.post(f"{base}/{doc_id}/rename", htmx=True,
                                   data={"name": name}).status_code == 200
    names = {}
    for doc_id in (png, txt, jpeg):
        response = viewer_client.get(f"/documents/{doc_id}")
        names[doc_id] = response.headers["Content-Disposition"]
        response.close()
    assert "badge.exe.png" in names[png]
    assert "Consignes%20d%27arriv%C3%A9e.txt" in names[txt]
    assert names[jpeg] == "attachment; filename=photo.jpeg"  # a known extension of its type stays


def test_the_timeline_names_the_documents(app, manager_client, client_id, upload_dir):
    upload(manager_client, client_id, {"plan.pdf": GOOD["plan.pdf"][0], "a.txt": b"a"})
    with app.app_context():
        doc_id = services.documents("client", client_id)[0].id
    base = f"/clients/{client_id}/defaults/documents"
    manager_client.post(f"{base}/{doc_id}/rename", htmx=True, data={"name": "Floor <plan>"})
    manager_client.post(f"{base}/{doc_id}/remove", htmx=True)
    entries = texts(manager_client.get(f"/clients/{client_id}"), "#client-interactions li p")
    assert "Information documents uploaded: plan.pdf, a.txt." in entries
    assert "Information document “plan.pdf” renamed “Floor <plan>”." in entries
    assert "Information document “Floor <plan>” removed." in entries


def test_reset_asks_first_naming_what_is_lost_and_focus_returns_to_the_part(
        app, manager_client, client_id, upload_dir):
    upload(manager_client, client_id, {"a.txt": b"client's"})
    project_id = new_project(manager_client, client_id)
    manager_client.post(f"/projects/{project_id}/settings/documents", htmx=True,
                        content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(b"ours"), "only-here.txt")]})
    assert len(stored_files(upload_dir)) == 2
    page = manager_client.get(f"/projects/{project_id}")
    url = f"/projects/{project_id}/settings/documents/reset"
    link = one(page, f'#project-settings a[hx-get="{url}"]')
    assert link.attributes["hx-target"] == "body"
    dialog = manager_client.get(url, htmx=True)
    assert words(one(dialog, "dialog h2")) == \
        "Reset “Information documents” to the client's default?"
    assert "The project's 2 documents are replaced by the client's 1" in words(
        one(dialog, "dialog"))
    assert attr(dialog, "dialog form", "hx-post") == url
    assert_page(manager_client.get(url))  # without JavaScript: a page of its own
    assert len(stored_files(upload_dir)) == 2  # asking deleted nothing
    reset = manager_client.post(url, htmx=True)
    assert "closeDialog" in reset.headers["HX-Trigger"]
    assert words(one(reset, "[autofocus]")) == "Upload documents"
    assert len(stored_files(upload_dir)) == 1
    form = manager_client.get(f"/projects/{project_id}/settings/edit?part=notes", htmx=True)
    manager_client.post(f"/projects/{project_id}/settings?part=notes", htmx=True, data={
        "part": "notes", "notes": "Ours", "version": attr(form, "input[name=version]", "value")})
    notes = manager_client.post(f"/projects/{project_id}/settings/notes/reset", htmx=True)
    assert attr(notes, "[autofocus]", "id") == "project-notes-edit"
    excluded = manager_client.post(f"/projects/{project_id}/settings/excluded/reset",
                                   htmx=True)
    assert attr(excluded, "[autofocus]", "id") == "project-exclude"


def test_focus_after_excluding_goes_back_to_the_exclude_button(app, manager_client,
                                                              client_id):
    bob = add_staff(app, "Bob")
    done = manager_client.post(f"/clients/{client_id}/defaults/exclude", htmx=True,
                               data={"staff": bob, "reason": ""})
    assert attr(done, "[autofocus]", "id") == "client-exclude"


def test_text_in_utf16_or_latin1_is_kept_and_served_in_its_encoding(app, manager_client,
                                                                     viewer_client, client_id,
                                                                     upload_dir):
    utf16 = "Café crème\r\n".encode("utf-16")  # with its byte order mark, as Notepad saves
    latin1 = "Café crème, entrée B, arrivée à 8 h.\n".encode("latin-1")
    response = upload(manager_client, client_id, {"notepad.txt": utf16, "old.txt": latin1})
    assert response.status_code == 200
    with app.app_context():
        first, second = [d.id for d in services.documents("client", client_id)]
    served = {}
    for doc_id in (first, second):
        download = viewer_client.get(f"/documents/{doc_id}")
        content_type = download.headers["Content-Type"]
        assert content_type.startswith("text/plain; charset=")
        served[doc_id] = download.data.decode(content_type.split("charset=")[1])
        download.close()
    assert served[first].strip() == "Café crème"
    assert served[second].startswith("Café crème, entrée B")
    # Still refused: binary with NULs and no byte order mark.
    assert upload(manager_client, client_id, {"x.txt": b"ab\x00cd"}).status_code == 422
