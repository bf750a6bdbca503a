"""Importing staff from the Staff page: the clients' import journey (upload, check, fix,
skip, start, result, undo) for staff members, matched by email; roles, CSRF, bad files,
the 413 page, and a job seen only under its own kind's URLs."""
import csv
import io
import re

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from clientapp.extensions import db
from clientapp.imports.models import ImportJob
from clientapp.staff.models import StaffMember

from .conftest import assert_fragment, assert_page
from .factories import add_client, add_project, add_staff, assign_staff, count
from .html import find, one, words
from .test_imports import figure, run, started, text  # noqa: F401  (started: a fixture)

GOOD = ("Name,Email,Phone\n"
        "Zoé Martin,zoe@example.com,+33 6 12 34 56 78\n"
        "Omar Haddad,omar@example.com,ext. 204 (mornings)\n").encode()
BAD = ("Name,Email,Phone\n"
       "Ana Lopes,ana@example.com,\n"
       ",nameless@example.com,\n"
       "Ben Okafor,not-an-email,\n"
       "Ana Twin,ANA@example.com,\n"
       "Cleo Long,cleo@example.com," + "9" * 51 + "\n").encode()


def upload(client, data: bytes, filename: str = "staff.csv", mode: str = "create", **kw):
    return client.post("/staff/import", data={"file": (io.BytesIO(data), filename), "mode": mode},
                       content_type="multipart/form-data", **kw)


def checked(client, data: bytes, mode: str = "create") -> int:
    response = upload(client, data, mode=mode)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return int(re.search(r"/staff/import/(\d+)$", response.headers["Location"]).group(1))


def error_rows(body: str) -> list[dict]:
    return [{td.attributes["data-label"]: words(td) for td in row.css("td[data-label]")}
            for row in find(body, "#import-errors tbody tr")]


def members(app) -> dict:
    with app.app_context():
        return {m.name: (m.email, m.phone, m.import_job_id)
                for m in db.session.scalars(select(StaffMember))}


# --- From the Staff page to the import page ----------------------------------------------
def test_the_staff_page_offers_import_to_writers_only(manager_client, viewer_client):
    link = [a for a in find(manager_client.get("/staff"), ".page-head a")
            if words(a) == "Import staff"]
    assert len(link) == 1 and link[0].attributes["href"] == "/staff/import"
    assert "Import staff" not in text(viewer_client.get("/staff"))


def test_the_import_page_for_staff_as_page_and_fragment(manager_client):
    page = manager_client.get("/staff/import")
    assert_page(page)
    assert words(one(page, "h1")) == "Import staff"
    rules = {words(row.css_first("th")): words(row.css("td")[0])
             for row in find(page, "#rules-title ~ .table-wrap tbody tr")}
    assert rules == {"Name": "Yes", "Email": "No", "Phone": "No"}
    template = one(page, "a[download]").attributes["href"]
    assert template == "/staff/import/template"
    back = [a for a in find(page, ".page-head a") if words(a) == "Back to staff"]
    assert back[0].attributes["href"] == "/staff"
    form = one(page, "form#import-upload")
    assert form.attributes["action"] == "/staff/import"
    assert "Update staff members matched by Email" in words(form)
    assert_fragment(manager_client.get("/staff/import", htmx=True), "import-upload")


def test_the_template_has_name_email_and_phone(manager_client):
    response = manager_client.get("/staff/import/template")
    assert response.status_code == 200
    assert "staff-import-template.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Phone"] and len(rows) == 2 and rows[1][0]


def test_the_import_page_in_french(app, manager_client):
    page = manager_client.get("/staff/import", headers={"Accept-Language": "fr"})
    assert words(one(page, "h1")) == "Importer du personnel"
    staff_page = manager_client.get("/staff", headers={"Accept-Language": "fr"})
    assert "Importer du personnel" in [words(a) for a in find(staff_page, ".page-head a")]


# --- Check, start, result ------------------------------------------------------------------
def test_a_good_file_is_checked_then_written_once_started(app, manager_client, started):
    job_id = checked(manager_client, GOOD)
    body = text(manager_client.get(f"/staff/import/{job_id}"))
    assert figure(body, "New staff members") == "2" and figure(body, "Errors") == "0"
    assert "2 staff members will be added." in body
    assert count(app, StaffMember) == 0  # nothing written before Start import
    response = manager_client.post(f"/staff/import/{job_id}/start", htmx=True)
    assert response.headers["HX-Redirect"] == f"/staff/import/{job_id}"
    assert started == [job_id]
    assert run(app, job_id) == "done"
    assert members(app) == {"Zoé Martin": ("zoe@example.com", "+33 6 12 34 56 78", job_id),
                            "Omar Haddad": ("omar@example.com", "ext. 204 (mornings)", job_id)}
    page = manager_client.get(f"/staff/import/{job_id}")
    assert figure(text(page), "Created") == "2"
    links = {words(a): a.attributes["href"] for a in find(page, "#import-status a")}
    with app.app_context():
        zoe = db.session.scalars(select(StaffMember).where(StaffMember.name == "Zoé Martin")).one()
    assert links["Zoé Martin"] == f"/staff/{zoe.id}"
    assert links["Go to the staff"] == "/staff"
    # The new members are found by the staff search like any other.
    found = manager_client.get("/staff?q=zoe")
    assert [words(a) for a in find(found, "#staff-list tbody th a")] == ["Zoé Martin"]


def test_bad_rows_are_reported_with_line_and_reason(app, manager_client):
    job_id = checked(manager_client, BAD)
    body = text(manager_client.get(f"/staff/import/{job_id}"))
    rows = {(row["Line"], row["Column"]): row for row in error_rows(body)}
    assert rows[("3", "Name")]["Reason"] == "Enter the staff member's name."
    assert rows[("4", "Email")]["Value"] == "not-an-email"
    assert rows[("4", "Email")]["Reason"].startswith("Enter a valid email address")
    assert rows[("5", "Email")]["Reason"] == "This email is also on line 2."
    assert rows[("6", "Phone")]["Reason"] == "Use at most 50 characters."
    assert figure(body, "Errors") == "4" and figure(body, "New staff members") == "1"
    start = [b for b in find(body, "button") if words(b) == "Start import"][0]
    assert "disabled" in start.attributes
    assert count(app, StaffMember) == 0


def test_fix_a_cell_and_skip_a_row_then_write(app, manager_client, started):
    job_id = checked(manager_client, BAD)
    response = manager_client.post(f"/staff/import/{job_id}/fix", htmx=True, data={
        "line": "4", "field": "email", "value": "ben@example.com"})
    assert_fragment(response, "import-check")
    assert figure(text(response), "Errors") == "3"
    manager_client.post(f"/staff/import/{job_id}/fix", htmx=True, data={
        "line": "3", "field": "name", "value": "Nadia Noor"})
    manager_client.post(f"/staff/import/{job_id}/fix", htmx=True, data={
        "line": "6", "field": "phone", "value": "01 23 45 67 89"})
    response = manager_client.post(f"/staff/import/{job_id}/skip", htmx=True, data={"line": "5"})
    body = text(response)
    assert figure(body, "Errors") == "0" and figure(body, "Skipped") == "1"
    assert "Lines left out of the import: 5" in body
    manager_client.post(f"/staff/import/{job_id}/start")
    assert run(app, job_id) == "done"
    assert members(app) == {
        "Ana Lopes": ("ana@example.com", None, job_id),
        "Nadia Noor": ("nameless@example.com", None, job_id),
        "Ben Okafor": ("ben@example.com", None, job_id),
        "Cleo Long": ("cleo@example.com", "01 23 45 67 89", job_id),
    }


def test_a_known_email_is_refused_when_creating_and_updates_when_updating(app, manager_client,
                                                                          started):
    known = add_staff(app, name="Zoe Mart", email="Zoe@Example.com", phone="111")
    job_id = checked(manager_client, GOOD)
    body = text(manager_client.get(f"/staff/import/{job_id}"))
    line_2 = [row for row in error_rows(body) if row["Line"] == "2"][0]
    assert line_2["Reason"] == "The email zoe@example.com is already used by Zoe Mart."
    assert "Update staff members matched by Email" in body  # the banner points to it

    job_id = checked(manager_client, GOOD, mode="update")
    body = text(manager_client.get(f"/staff/import/{job_id}"))
    assert figure(body, "Updates") == "1" and figure(body, "New staff members") == "1"
    changes = {words(row.css("td")[2]): (words(row.css("td")[3]), words(row.css("td")[4]))
               for row in find(body, "#import-changes tbody tr")}
    # The email it was matched by is the same one, whatever its case: not a change.
    assert changes == {"Name": ("Zoe Mart", "Zoé Martin"), "Phone": ("111", "+33 6 12 34 56 78")}
    # Each change names the member it changes, linked to their page.
    assert {a.attributes["href"] for a in find(body, "#import-changes tbody td a")} \
        == {f"/staff/{known}"}
    manager_client.post(f"/staff/import/{job_id}/start")
    assert run(app, job_id) == "done"
    assert members(app)["Zoé Martin"] == ("Zoe@Example.com", "+33 6 12 34 56 78", None)
    assert count(app, StaffMember) == 2
    # Undo gives the member their values back and removes the one it added.
    response = manager_client.post(f"/staff/import/{job_id}/undo")
    assert response.status_code == 303
    assert members(app) == {"Zoe Mart": ("Zoe@Example.com", "111", None)}
    assert manager_client.get("/staff?q=zoe").status_code == 200
    body = text(manager_client.get(f"/staff/import/{job_id}"))
    assert "1 staff member removed." in body
    assert "1 staff member restored to their values before the import." in body


def test_undo_keeps_those_who_work_projects(app, manager_client, started):
    job_id = checked(manager_client, GOOD)
    manager_client.post(f"/staff/import/{job_id}/start")
    run(app, job_id)
    dialog = manager_client.get(f"/staff/import/{job_id}/undo", htmx=True)
    assert_fragment(dialog, "undo-dialog")
    assert "This removes the 2 staff members that the import of staff.csv added." in text(dialog)
    with app.app_context():
        omar = db.session.scalars(select(StaffMember).where(StaffMember.name == "Omar Haddad")).one()
    assign_staff(app, add_project(app, add_client(app)), omar.id)
    dialog = text(manager_client.get(f"/staff/import/{job_id}/undo"))
    assert "These" not in dialog and "This staff member works projects now" in dialog
    manager_client.post(f"/staff/import/{job_id}/undo", htmx=True)
    assert list(members(app)) == ["Omar Haddad"]
    body = manager_client.get(f"/staff/import/{job_id}")
    assert "Kept because they work projects:" in text(body)
    assert [a.attributes["href"] for a in find(body, "#import-status li a")] == [f"/staff/{omar.id}"]


def test_a_row_without_email_named_like_a_member_is_a_possible_duplicate(app, manager_client,
                                                                        started):
    add_staff(app, name="Omar Haddad", email="o.haddad@example.com")
    job_id = checked(manager_client, b"Name,Phone\nomar haddad,12\nLina Diaz,34\n")
    body = text(manager_client.get(f"/staff/import/{job_id}"))
    assert figure(body, "Possible duplicates") == "1"
    assert "These rows have no email and the name of a staff member you already have" in body
    manager_client.post(f"/staff/import/{job_id}/start")
    run(app, job_id)
    assert sorted(members(app)) == ["Lina Diaz", "Omar Haddad"]


# --- Refusals -------------------------------------------------------------------------------
def test_viewers_cannot_import_staff(app, manager_client, viewer_client):
    assert viewer_client.get("/staff/import").status_code == 403
    assert upload(viewer_client, GOOD).status_code == 403
    assert viewer_client.get("/staff/import/template").status_code == 403
    job_id = checked(manager_client, GOOD)
    assert viewer_client.post(f"/staff/import/{job_id}/start").status_code == 403
    assert viewer_client.post(f"/staff/import/{job_id}/fix", data={
        "line": "2", "field": "name", "value": "x"}).status_code == 403
    assert count(app, StaffMember) == 0


def test_upload_without_csrf_token_is_refused(app, manager_client):
    response = manager_client.post("/staff/import", csrf=False, data={
        "file": (io.BytesIO(GOOD), "staff.csv")})
    assert response.status_code == 400
    assert count(app, ImportJob) == 0


def test_a_wrong_kind_of_file_is_refused_with_a_message(app, manager_client):
    response = upload(manager_client, b"%PDF-1.4 binary", filename="staff.pdf")
    assert_page(response, 422)
    assert "Use a .csv, .txt, .tsv or .xlsx file." in words(one(response, "#import-file-error"))
    response = upload(manager_client, b"%PDF-1.4\x00\x01\x02", filename="staff.csv", htmx=True)
    assert_fragment(response, "import-upload", 422)
    assert count(app, ImportJob) == 0 and count(app, StaffMember) == 0


def test_an_oversize_upload_gets_the_413_page(make_app):
    from .conftest import make_user, sign_in

    app = make_app(CLIENTAPP_IMPORT_MAX_BYTES=1024 * 1024)
    manager = sign_in(app, make_user(app, "manager"))
    big = b"Name\n" + b"Staff Member Name\n" * 90_000
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(big), "big.csv"),
                                       "mode": "create"})
    response = manager.post("/staff/import", data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert_page(response, 413)
    assert "The file is too large" in text(response)
    assert count(app, ImportJob) == 0


def test_a_job_is_seen_under_its_own_kind_only(app, manager_client):
    staff_job = checked(manager_client, GOOD)
    assert manager_client.get(f"/clients/import/{staff_job}").status_code == 404
    assert manager_client.post(f"/clients/import/{staff_job}/start").status_code == 404
    response = manager_client.post("/clients/import", data={
        "file": (io.BytesIO(b"Name\nAcme\n"), "clients.csv"), "mode": "create"},
        content_type="multipart/form-data")
    client_job = int(response.headers["Location"].rsplit("/", 1)[1])
    assert manager_client.get(f"/staff/import/{client_job}").status_code == 404
    assert manager_client.get(f"/clients/import/{client_job}").status_code == 200


def test_the_history_says_what_each_job_imported(app, manager_client):
    staff_job = checked(manager_client, GOOD)
    manager_client.post("/clients/import", data={
        "file": (io.BytesIO(b"Name\nAcme\n"), "clients.csv"), "mode": "create"},
        content_type="multipart/form-data")
    page = manager_client.get("/clients/imports")
    rows = {words(row.css_first("td a")): (words(row.css("td")[1]),
                                          row.css_first("td a").attributes["href"])
            for row in find(page, "#import-history tbody tr")}
    assert rows["staff.csv"] == ("Staff", f"/staff/import/{staff_job}")
    assert rows["clients.csv"][0] == "Clients"
    assert rows["clients.csv"][1].startswith("/clients/import/")


def test_a_member_deleted_since_the_check_fails_the_run_and_nothing_is_written(
        app, manager_client, started):
    gone = add_staff(app, name="Zoe Mart", email="zoe@example.com")
    job_id = checked(manager_client, GOOD, mode="update")
    with app.app_context():
        db.session.delete(db.session.get(StaffMember, gone))
        db.session.commit()
    manager_client.post(f"/staff/import/{job_id}/start")
    assert run(app, job_id) == "failed"
    assert count(app, StaffMember) == 0
    alert = words(one(manager_client.get(f"/staff/import/{job_id}"), "#import-status [role=alert]"))
    assert alert == ("A staff member to update (line 2) was deleted since the check. "
                     "Nothing was written: no staff member was added or changed.")
    # Check again (offered on the failed job): both rows are new members now.
    response = manager_client.post(f"/staff/import/{job_id}/check", data={"mode": "update"})
    assert response.status_code == 303
    assert figure(text(manager_client.get(f"/staff/import/{job_id}")), "New staff members") == "2"
    manager_client.post(f"/staff/import/{job_id}/start")
    assert run(app, job_id) == "done" and count(app, StaffMember) == 2


def test_the_activity_page_names_a_staff_import(app, admin_client, started):
    job_id = checked(admin_client, GOOD)
    admin_client.post(f"/staff/import/{job_id}/start")
    run(app, job_id)
    admin_client.post(f"/staff/import/{job_id}/undo")
    page = admin_client.get("/activity")
    assert "Staff import of “staff.csv”: 2 added, 0 updated." in words(one(page, "main"))
    assert "Staff import of “staff.csv” undone." in words(one(page, "main"))
