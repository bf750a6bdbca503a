"""Import and export pages: every URL as a page and as an htmx fragment, roles, bad files,
fixing in place, starting once, progress, history, undo, and the export round trip."""
import csv
import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from clientapp.clients.models import Client
from clientapp.extensions import db
from clientapp import jobs as job_lifecycle
from clientapp.imports import running
from clientapp.imports.models import ImportJob, ImportRow

from .conftest import assert_fragment, assert_page
from .html import find, one, text_of, texts, words
from .factories import count, job_of, load_client
from .test_imports_checking import add_client
from .test_imports_samples import (errors_csv, formulas_csv, french_excel_csv,
                                   french_headers_csv, libreoffice_csv, markup_csv,
                                   utf8_bom_csv, xlsx)


@pytest.fixture
def started(monkeypatch):
    """Jobs the routes would start in a thread; the tests run them with running.run_job."""
    jobs = []
    monkeypatch.setattr(job_lifecycle, "start", lambda app, model, job_id: jobs.append(job_id))
    return jobs


def upload(client, data: bytes, filename: str = "clients.csv", mode: str = "create", **kw):
    return client.post("/clients/import", data={"file": (io.BytesIO(data), filename), "mode": mode},
                       content_type="multipart/form-data", **kw)


def job_id_of(response) -> int:
    location = response.headers.get("HX-Redirect") or response.headers["Location"]
    return int(re.search(r"/clients/import/(\d+)$", location).group(1))


def checked(client, data: bytes, filename: str = "clients.csv", mode: str = "create") -> int:
    response = upload(client, data, filename, mode)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return job_id_of(response)


def run(app, job_id: int) -> str:
    with app.app_context():
        return running.run_job(job_id)


def text(response) -> str:
    return response.get_data(as_text=True)


def figure(body: str, label: str) -> str:
    """The figure shown under `label` in the check's or the run's figures."""
    for pair in find(body, "dl.figures > div"):
        if words(pair.css_first("dt")) == label:
            return words(pair.css_first("dd"))
    raise AssertionError(f"no figure {label!r}")


def start_button(body: str):
    return [b for b in find(body, "button") if words(b) == "Start import"][0]


def cells_of_rows(body: str, selector: str) -> list[dict]:
    """Each row of a table as {data-label: text}."""
    return [{td.attributes["data-label"]: words(td) for td in row.css("td[data-label]")}
            for row in find(body, f"{selector} tbody tr")]


# --- The import page -------------------------------------------------------------------------
def test_import_page_as_page_and_fragment(manager_client):
    page = manager_client.get("/clients/import")
    assert_page(page)
    body = text(page)
    assert "<h1>Import clients</h1>" in body
    assert "Download template" in body and 'for="import-file">File</label>' in body
    assert ">Check file</button>" in body
    assert '<th scope="row">Name</th><td>Yes</td>' in body
    assert '<th scope="row">Code</th><td>No</td>' in body
    assert '<th scope="row">Address</th><td>No</td>' in body
    fragment = manager_client.get("/clients/import", htmx=True)
    assert_fragment(fragment, "import-upload")


def test_viewer_may_export_but_not_import(app, viewer_client):
    assert viewer_client.get("/clients/import").status_code == 403
    assert upload(viewer_client, utf8_bom_csv()).status_code == 403
    assert viewer_client.get("/clients/imports").status_code == 403
    assert viewer_client.get("/clients/import/template").status_code == 403
    assert viewer_client.get("/clients/export").status_code == 200
    assert count(app, ImportJob) == 0


def test_signed_out_visitor_is_sent_to_sign_in(client, admin_id):
    response = client.get("/clients/import")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_admin_may_import(admin_client):
    assert admin_client.get("/clients/import").status_code == 200


def test_upload_without_csrf_token_is_refused(app, manager_client):
    response = manager_client.post("/clients/import", csrf=False, data={
        "file": (io.BytesIO(utf8_bom_csv()), "clients.csv")})
    assert response.status_code == 400 and "This page has expired" in text(response)
    assert count(app, ImportJob) == 0


def test_template_download(manager_client):
    response = manager_client.get("/clients/import/template")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Code", "Address"]
    assert len(rows) == 2 and rows[1][0]


# --- Uploading ---------------------------------------------------------------------------------
SAMPLES = {
    "french-excel": (french_excel_csv, "clients.csv", 3),
    "utf8-bom": (utf8_bom_csv, "clients.csv", 2),
    "libreoffice": (libreoffice_csv, "clients.csv", 3),
    "french-headers": (french_headers_csv, "clients.txt", 2),
    "xlsx": (lambda: xlsx([["Nom", "Code"], ["Café", "K1"], ["Thé", "K2"]]), "c.xlsx", 2),
}


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_sample_file_is_checked_without_writing_a_client(app, manager_client, sample):
    make, filename, rows = SAMPLES[sample]
    job_id = checked(manager_client, make(), filename)
    page = manager_client.get(f"/clients/import/{job_id}")
    assert_page(page)
    body = text(page)
    assert figure(body, "New clients") == str(rows)
    assert figure(body, "Errors") == "0"
    assert "Start import</button>" in body and "disabled" not in body.split("Start import")[0][-200:]
    assert count(app, Client) == 0


def test_accents_of_the_french_excel_file_reach_the_page(manager_client):
    job_id = checked(manager_client, french_excel_csv())
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "Œuvres d’Étienne" in body and "Prix : 5 €" in body
    assert "Windows-1252" in body and "Semicolon" in body


def test_upload_from_htmx_answers_with_hx_redirect(manager_client):
    response = upload(manager_client, utf8_bom_csv(), htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith(
        "/clients/import/")


def nul_file():
    return b"Name\nGood\nBad\x00\n"


BAD_FILES = {
    "empty": (b"", "clients.csv", "The file is empty."),
    "header-only": (b"Name,Code,Address\r\n", "clients.csv", "header line but no rows"),
    "binary": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "clients.csv",
               "not a spreadsheet or a text file"),
    "xlsx-renamed-csv": (xlsx([["Name"], ["Acme"]]), "clients.csv",
                         "Excel workbook with a .csv name"),
    "huge-field": (b"Name,Address\nAcme," + b"y" * 100_001 + b"\n", "clients.csv",
                   "more than 100,000 characters"),
    "nul-byte": (nul_file(), "clients.csv", "Line 3 contains a NUL character"),
    "pdf": (b"%PDF-1.4 hello", "clients.pdf", "Use a .csv, .txt, .tsv or .xlsx file."),
    "broken-xlsx": (b"Name\nAcme\n", "clients.xlsx", "not a valid Excel workbook"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_get_a_clear_message_and_nothing_is_written(app, manager_client, case):
    data, filename, message = BAD_FILES[case]
    page = upload(manager_client, data, filename)
    assert_page(page, 422)
    assert message in text(page)
    assert 'aria-invalid="true"' in text(page)
    fragment = upload(manager_client, data, filename, htmx=True)
    assert_fragment(fragment, "import-upload", 422)
    assert message in text(fragment)
    assert count(app, ImportJob) == 0 and count(app, Client) == 0


def test_no_file_chosen(app, manager_client):
    response = manager_client.post("/clients/import", data={"mode": "create"})
    assert_page(response, 422)
    assert "Choose a file to import." in text(response)


def test_over_the_row_and_byte_limits(make_app):
    from .conftest import make_user, sign_in

    app = make_app(CLIENTAPP_IMPORT_MAX_ROWS=5, CLIENTAPP_IMPORT_MAX_BYTES=2000)
    manager = sign_in(app, make_user(app, "manager"))
    data = ("Name\n" + "".join(f"Client {i}\n" for i in range(6))).encode()
    response = upload(manager, data)
    assert_page(response, 422)
    assert "The file has more than 5 rows" in text(response)
    response = upload(manager, b"Name\n" + b"Acme\n" * 500)
    assert_page(response, 422)
    assert "The file is larger than" in text(response)
    assert count(app, ImportJob) == 0


def test_an_oversize_upload_gets_the_rendered_413_page(make_app):
    from .conftest import make_user, sign_in

    app = make_app(CLIENTAPP_IMPORT_MAX_BYTES=1024 * 1024)
    manager = sign_in(app, make_user(app, "manager"))
    big = b"Name\n" + b"Acme Incorporated\n" * 90_000  # 1.6 MB, over 1 MB + the form's slack
    # Encoded here, in memory: the test client would spool it to a temporary file that the
    # refused request never reads (and never closes).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(big), "big.csv"),
                                       "mode": "create"})
    content_type = f"multipart/form-data; boundary={boundary}"
    response = manager.post("/clients/import", data=body, content_type=content_type)
    assert_page(response, 413)
    page = text(response)
    assert "The file is too large" in page and "larger than the 1 MB this server accepts" in page
    fragment = manager.post("/clients/import", data=body, content_type=content_type, htmx=True)
    assert fragment.status_code == 413 and "data-error-message" in text(fragment)
    assert count(app, ImportJob) == 0


def test_no_name_column_asks_which_column_holds_each_field(app, manager_client):
    job_id = checked(manager_client, b"Company,Mail\nAcme,hello@acme.example\n")
    page = manager_client.get(f"/clients/import/{job_id}")
    body = text(page)
    assert "No column is named Name" in body
    assert "disabled" in start_button(body).attributes
    response = manager_client.post(f"/clients/import/{job_id}/check", htmx=True,
                                   data={"column_name": "0", "column_email": "1",
                                         "column_code": ""})
    assert_fragment(response, "import-check")
    assert figure(text(response), "New clients") == "1"
    with app.app_context():
        row = db.session.get(ImportRow, (job_id, 2))
        assert (row.name, row.email) == ("Acme", "hello@acme.example")
    assert count(app, Client) == 0


# --- The check page ---------------------------------------------------------------------------
def test_errors_are_listed_with_line_column_and_reason(app, manager_client):
    add_client(app, name="Taken Ltd", code="TAKEN")
    job_id = checked(manager_client, errors_csv())
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert figure(body, "Errors") == "9"
    # Each cell names its column too (data-label), for the stacked rows of a phone.
    line_4 = [row for row in cells_of_rows(body, "#import-errors") if row["Line"] == "4"][0]
    assert (line_4["Column"], line_4["Value"]) == ("Email", "not-an-email")
    assert line_4["Reason"].startswith("Enter a valid email address")
    assert "This code is also on line 7." in body
    start = start_button(body)
    assert "disabled" in start.attributes and start.attributes["aria-describedby"] == "start-hint"
    assert "Fix or skip the rows with errors" in body


def test_errors_are_paginated_as_page_and_fragment(manager_client):
    data = "Name,Email\n" + "".join(f"Client {i},bad-{i}\n" for i in range(60))
    job_id = checked(manager_client, data.encode())
    first = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "Page 1 of 2" in first and "bad-49" in first and "bad-50" not in first
    # The pager's link is the page's own URL, pushed to the history: reload and Back work.
    assert (f'href="/clients/import/{job_id}?errors_page=2" '
            f'hx-push-url="/clients/import/{job_id}?errors_page=2"') in first
    assert 'hx-swap="outerHTML show:#import-errors:top"' in first
    assert '<h3 id="errors-title" tabindex="-1">' in first  # no focus move on a full page
    page = manager_client.get(f"/clients/import/{job_id}?errors_page=2")
    assert_page(page)
    assert "bad-50" in text(page) and "bad-49" not in text(page)
    fragment = manager_client.get(f"/clients/import/{job_id}/issues/error?page=2", htmx=True)
    assert_fragment(fragment, "import-errors")
    assert "bad-59" in text(fragment) and "Page 2 of 2" in text(fragment)
    # The new page of errors is announced by moving focus to its heading.
    assert "autofocus" in one(fragment, "h3#errors-title").attributes
    assert manager_client.get(f"/clients/import/{job_id}/issues/nope").status_code == 404


def test_job_page_fragment_and_unknown_job(manager_client):
    job_id = checked(manager_client, utf8_bom_csv())
    assert_fragment(manager_client.get(f"/clients/import/{job_id}", htmx=True), "import-job")
    assert manager_client.get("/clients/import/999999").status_code == 404


def test_fixing_a_cell_in_place(app, manager_client):
    job_id = checked(manager_client, b"Name,Email\nAcme,not-an-email\n")
    response = manager_client.post(f"/clients/import/{job_id}/fix", htmx=True,
                                   data={"line": "2", "field": "email",
                                         "value": "hello@acme.example"})
    assert_fragment(response, "import-check")
    body = text(response)
    assert figure(body, "Errors") == "0" and figure(body, "New clients") == "1"
    start = [b for b in find(response, "button.button-primary") if "Start import" in b.text()]
    assert len(start) == 1 and "autofocus" in start[0].attributes
    # Without JavaScript: the same, then back to the page.
    job_id = checked(manager_client, b"Name,Email\nAcme,not-an-email\n")
    response = manager_client.post(f"/clients/import/{job_id}/fix",
                                   data={"line": "2", "field": "email", "value": "still bad"})
    assert response.status_code == 303
    assert figure(text(manager_client.get(f"/clients/import/{job_id}")), "Errors") == "1"
    assert manager_client.post(f"/clients/import/{job_id}/fix", data={
        "line": "99", "field": "email", "value": "x"}).status_code == 404
    assert count(app, Client) == 0


def test_skipping_and_restoring_a_row(manager_client):
    job_id = checked(manager_client, b"Name,Email\nGood,\nBad,nope\n")
    response = manager_client.post(f"/clients/import/{job_id}/skip", htmx=True, data={"line": "3"})
    assert_fragment(response, "import-check")
    body = text(response)
    assert figure(body, "Errors") == "0" and figure(body, "Skipped") == "1"
    assert "Lines left out of the import: 3" in body
    response = manager_client.post(f"/clients/import/{job_id}/restore", htmx=True)
    assert figure(text(response), "Errors") == "1"


def test_download_rows_with_errors(manager_client):
    data = (b"Nom,Courriel,Notes\nGood,good@example.com,x\n"
            b"=HYPERLINK(\"http://evil\"),not-an-email,y\n")
    job_id = checked(manager_client, data)
    response = manager_client.get(f"/clients/import/{job_id}/errors.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Nom", "Courriel", "Errors"]
    assert rows[1][:2] == ["'=HYPERLINK(\"http://evil\")", "not-an-email"]
    assert rows[1][2] == "Line 3, Email: Enter a valid email address, like name@example.com."
    assert len(rows) == 2
    # Imported again, the quote comes off and the Errors column is listed and ignored.
    again = checked(manager_client, response.data)
    body = text(manager_client.get(f"/clients/import/{again}"))
    assert "Columns ignored (no field has these names): Errors" in body


def test_choosing_another_encoding_or_separator(manager_client):
    job_id = checked(manager_client, french_excel_csv())
    response = manager_client.post(f"/clients/import/{job_id}/check", htmx=True,
                                   data={"encoding": "utf-8", "delimiter": ""})
    assert_fragment(response, "import-check", 422)
    assert "cannot be read as UTF-8" in text(response)
    assert "Œuvres d’Étienne" in text(response)  # the last good check is kept
    response = manager_client.post(f"/clients/import/{job_id}/check", htmx=True,
                                   data={"encoding": "latin-1", "delimiter": ""})
    assert_fragment(response, "import-check")
    assert "\x8cuvres" in text(response)  # Latin-1 has no Œ: what the user chose
    response = manager_client.post(f"/clients/import/{job_id}/check",
                                   data={"encoding": "cp1252", "delimiter": ","})
    assert response.status_code == 303
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "No column is named Name" in body and "choose another separator" in body
    # The Name column is not required by the browser, so the way back to "Automatic" is
    # open with no column chosen: the file is read again and its columns found again.
    assert "required" not in one(body, "select#column-name").attributes
    response = manager_client.post(f"/clients/import/{job_id}/check", htmx=True,
                                   data={"encoding": "", "delimiter": "", "column_name": ""})
    assert_fragment(response, "import-check")
    assert "No column is named Name" not in text(response)
    assert "Œuvres d’Étienne" in text(response) and figure(text(response), "Errors") == "0"


def test_changing_the_mode_checks_again(manager_client, app):
    add_client(app, name="Old", code="A1")
    job_id = checked(manager_client, b"Name,Code\nNew,A1\n")
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "The code A1 is already used by Old." in body
    # In create mode, the check says which mode would update the client instead.
    assert "1 row has a code an existing client already uses." in body
    response = manager_client.post(f"/clients/import/{job_id}/check", htmx=True,
                                   data={"mode": "update"})
    body = text(response)
    assert figure(body, "Errors") == "0" and figure(body, "Updates") == "1"
    change = [row for row in cells_of_rows(body, "#import-changes") if row["Field"] == "Name"][0]
    assert (change["Now"], change["After the import"]) == ("Old", "New")


# --- Starting, progress, result --------------------------------------------------------------
def test_start_twice_starts_one_job_which_reaches_100(app, manager_client, started):
    job_id = checked(manager_client, utf8_bom_csv())
    assert "2 clients will be created." in text(manager_client.get(f"/clients/import/{job_id}"))
    first = manager_client.post(f"/clients/import/{job_id}/start", htmx=True)
    second = manager_client.post(f"/clients/import/{job_id}/start", htmx=True)
    assert first.headers["HX-Redirect"] == second.headers["HX-Redirect"] == f"/clients/import/{job_id}"
    assert started == [job_id]
    assert job_of(app, job_id).state == "queued"

    polling = manager_client.get(f"/clients/import/{job_id}/status", htmx=True)
    assert_fragment(polling, "import-status")
    body = text(polling)
    assert 'hx-trigger="every 1s"' in body and 'role="progressbar"' in body
    assert 'aria-valuenow="0"' in body and "0 of 2 rows" in body
    assert_page(manager_client.get(f"/clients/import/{job_id}/status"))

    assert run(app, job_id) == "done"
    final = manager_client.get(f"/clients/import/{job_id}/status", htmx=True)
    assert_fragment(final, "import-status", 286)
    body = text(final)
    assert 'aria-valuenow="100"' in body and "hx-trigger" not in body
    assert '<div id="notices" hx-swap-oob="innerHTML">' in body  # said in the status region
    assert "Import finished: 2 created, 0 updated." in body
    assert "Import finished" in body and figure(body, "Created") == "2"
    with app.app_context():
        ids = [c.id for c in db.session.scalars(select(Client).order_by(Client.id))]
    assert f'href="/clients/{ids[0]}">Zoë Müller</a>' in body
    page = manager_client.get(f"/clients/import/{job_id}")
    assert_page(page)
    assert "Undo import" in text(page)
    assert "hx-swap-oob" not in text(page)  # a page has its own #notices
    assert count(app, Client) == 2


def test_start_is_refused_while_errors_remain(app, manager_client, started):
    job_id = checked(manager_client, b"Name,Email\nA,bad\n")
    response = manager_client.post(f"/clients/import/{job_id}/start")
    assert response.status_code == 303
    assert started == [] and job_of(app, job_id).state == "checked"


def test_status_of_a_job_that_is_gone_stops_the_polling(manager_client):
    response = manager_client.get("/clients/import/424242/status", htmx=True)
    assert_fragment(response, "import-status", 286)
    assert "no longer exists" in text(response)
    assert manager_client.get("/clients/import/424242/status").status_code == 404


def test_failed_job_offers_run_again_and_check_again(app, manager_client, started):
    job_id = checked(manager_client, b"Name,Code\nA,Z1\n")
    manager_client.post(f"/clients/import/{job_id}/start")
    add_client(app, name="Zed", code="Z1")
    assert run(app, job_id) == "failed"
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "The code Z1 (line 2) is now used by Zed" in body
    assert "Nothing was written" in body and "Run again" in body
    response = manager_client.post(f"/clients/import/{job_id}/check", htmx=True)
    assert_fragment(response, "import-check")
    assert "The code Z1 is already used by Zed." in text(response)
    assert job_of(app, job_id).state == "checked"


# --- History and undo ----------------------------------------------------------------------------
def test_history_lists_imports_and_drafts_as_page_and_fragment(app, manager_client, started):
    done = checked(manager_client, utf8_bom_csv(), "<b>bold</b>.csv")
    draft = checked(manager_client, libreoffice_csv(), "draft.csv")  # checked, not started
    manager_client.post(f"/clients/import/{done}/start")
    run(app, done)
    page = manager_client.get("/clients/imports")
    assert_page(page)
    body = text(page)
    assert "&lt;b&gt;bold&lt;/b&gt;.csv" in body and "<b>bold</b>" not in body
    assert "Max Manager" in body and "Done" in body
    # The draft is listed, so its fixes can be found again, with its state and row count.
    assert f'href="/clients/import/{draft}">draft.csv</a>' in body
    assert "Checked, not started" in body and "rows checked, not imported yet" in body
    assert "Create new clients only" in body  # the mode as the form names it
    assert_fragment(manager_client.get("/clients/imports", htmx=True), "import-history")


def test_undo_asks_first_then_removes_and_reports(app, manager_client, started):
    job_id = checked(manager_client, utf8_bom_csv())
    manager_client.post(f"/clients/import/{job_id}/start")
    run(app, job_id)
    page = manager_client.get(f"/clients/import/{job_id}/undo")
    assert_page(page)
    assert "Undo this import?" in text(page) and "Cancel" in text(page)
    dialog = manager_client.get(f"/clients/import/{job_id}/undo", htmx=True)
    assert_fragment(dialog, "undo-dialog")
    assert "<dialog" in text(dialog) and ">Undo import</button>" in text(dialog)
    assert "This removes the 2 clients that the import of clients.csv created" in text(dialog)
    assert "It gives" not in text(dialog)  # it changed no client

    with app.app_context():
        from clientapp.projects.models import Project

        kept = db.session.scalars(select(Client).where(Client.code == "ANG-2")).one()
        db.session.add(Project(name="Gala", client_id=kept.id))
        db.session.commit()
    response = manager_client.post(f"/clients/import/{job_id}/undo", htmx=True)
    assert response.headers["HX-Redirect"] == f"/clients/import/{job_id}"
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "Import undone" in body and "1 client removed." in body
    assert "Ångström AB" in body  # kept, and named
    assert count(app, Client) == 1
    # Undone once only; the confirmation is no longer offered.
    assert manager_client.get(f"/clients/import/{job_id}/undo").status_code == 303


def test_viewer_cannot_undo(app, manager_client, viewer_client, started):
    job_id = checked(manager_client, utf8_bom_csv())
    manager_client.post(f"/clients/import/{job_id}/start")
    run(app, job_id)
    assert viewer_client.post(f"/clients/import/{job_id}/undo").status_code == 403
    assert count(app, Client) == 2


# --- Markup ---------------------------------------------------------------------------------------
def test_markup_in_cells_shows_as_text_everywhere(app, manager_client, started):
    job_id = checked(manager_client, markup_csv())
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "<script>alert" not in body and "<img src=x" not in body and "<i>Italic" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # the email error's value
    manager_client.post(f"/clients/import/{job_id}/skip", data={"line": "2"})
    manager_client.post(f"/clients/import/{job_id}/start")
    run(app, job_id)
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert "&lt;i&gt;Italic&lt;/i&gt; Inc" in body and "<i>Italic" not in body


# --- Export ---------------------------------------------------------------------------------------
def exported(client, query: str = "") -> list:
    response = client.get("/clients/export" + query)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_export_follows_the_list_view(app, viewer_client):
    from datetime import datetime, timezone

    add_client(app, name="Beta", code="B")
    add_client(app, name="alpha", code="A", email="a@example.com", type="individual")
    add_client(app, name="Gone", archived_at=datetime.now(timezone.utc))
    rows = exported(viewer_client)
    assert rows[0] == ["Name", "Code", "Address", "Email", "Phone", "Type", "Contact name",
                       "Contact email", "Contact phone"]
    assert rows[1:] == [["alpha", "A", "", "a@example.com", "", "Individual", "", "", ""],
                        ["Beta", "B", "", "", "", "Company", "", "", ""]]
    assert [r[0] for r in exported(viewer_client, "?sort=-name")[1:]] == ["Beta", "alpha"]
    assert [r[0] for r in exported(viewer_client, "?q=bet")[1:]] == ["Beta"]
    assert [r[0] for r in exported(viewer_client, "?view=archived")[1:]] == ["Gone"]
    assert len(exported(viewer_client, "?view=all")) == 4


def test_export_neutralises_formulas(app, viewer_client):
    add_client(app, name="=1+2", phone="+33 1 23 45 67 89", address="@home", code="-5")
    row = exported(viewer_client)[1]
    assert row[:5] == ["'=1+2", "'-5", "'@home", "", "'+33 1 23 45 67 89"]


@pytest.mark.parametrize("export_format, filename", [
    ("csv", "export.csv"), ("csv-fr", "export.csv"), ("xlsx", "export.xlsx")])
def test_export_then_import_with_update_changes_nothing(app, manager_client, started,
                                                       export_format, filename):
    tricky = [
        dict(name="=HYPERLINK(\"x\")", code="F-1", phone="+1 514 555 0101", type="individual"),
        dict(name="'=quoted", code="'q", address="Line one\nLine two, \"quoted\""),
        dict(name="Société Générale", code="sg-2", email="contact@sg.example", address="@home"),
        dict(name="Plain", code="P-3", address="spaced  inside\r\nand a CRLF"),
        dict(name="No Code Co"),
    ]
    for fields in tricky:
        add_client(app, **fields)
    with app.app_context():
        before = {c.id: (c.name, c.code, c.address, c.email, c.phone, c.type, c.version)
                  for c in db.session.scalars(select(Client))}
    response = manager_client.get(f"/clients/export?format={export_format}")
    job_id = checked(manager_client, response.data, filename, mode="update")
    body = text(manager_client.get(f"/clients/import/{job_id}"))
    assert figure(body, "Updates") == "0" and figure(body, "Errors") == "0"
    assert figure(body, "Unchanged") == "4"
    # The client without a code cannot be matched: it is a possible duplicate, left out.
    assert figure(body, "Possible duplicates") == "1" and figure(body, "New clients") == "0"
    assert texts(body, "#import-duplicates td a") == ["No Code Co"]
    # Starting without "Create them anyway" writes nothing and says why.
    refused = manager_client.post(f"/clients/import/{job_id}/start", htmx=True)
    assert refused.status_code == 422
    assert "tick “Create them anyway”" in text_of(refused)
    assert job_of(app, job_id).state == "checked"
    with app.app_context():
        after = {c.id: (c.name, c.code, c.address, c.email, c.phone, c.type, c.version)
                 for c in db.session.scalars(select(Client))}
    assert after == before


def test_the_other_urls_as_plain_pages_and_as_htmx(app, manager_client, started):
    job_id = checked(manager_client, b"Name,Email\nGood,\nBad,nope\n")
    assert_page(manager_client.get(f"/clients/import/{job_id}/issues/error?page=1"))
    assert manager_client.post(f"/clients/import/{job_id}/skip", data={"line": "3"}).status_code == 303
    assert manager_client.post(f"/clients/import/{job_id}/restore").status_code == 303
    assert figure(text(manager_client.get(f"/clients/import/{job_id}")), "Errors") == "1"
    manager_client.post(f"/clients/import/{job_id}/skip", data={"line": "3"})
    manager_client.post(f"/clients/import/{job_id}/start", htmx=True)
    # Once started, the check's URLs send back to the job; fixing is refused.
    assert manager_client.get(f"/clients/import/{job_id}/issues/error",
                              htmx=True).headers["HX-Redirect"] == f"/clients/import/{job_id}"
    assert manager_client.post(f"/clients/import/{job_id}/fix", data={
        "line": "3", "field": "email", "value": "x@y.z"}).status_code == 409
    with app.app_context():
        db.session.execute(ImportJob.__table__.update().where(ImportJob.id == job_id)
                           .values(state="interrupted"))
        db.session.commit()
    response = manager_client.post(f"/clients/import/{job_id}/run-again", htmx=True)
    assert response.headers["HX-Redirect"] == f"/clients/import/{job_id}"
    assert started == [job_id, job_id]
    run(app, job_id)
    response = manager_client.post(f"/clients/import/{job_id}/undo")
    assert response.status_code == 303 and response.headers["Location"] == f"/clients/import/{job_id}"
    assert job_of(app, job_id).state == "undone"


def test_the_import_page_in_french(app, manager_client):
    with app.app_context():
        from clientapp.auth.models import User

        db.session.scalars(select(User).where(User.role == "manager")).one().locale = "fr"
        db.session.commit()
    body = text(manager_client.get("/clients/import"))
    assert "Importer des clients" in body and ">Vérifier le fichier</button>" in body
    # The rules name each field in French, and the column headings a file may use.
    assert '<th scope="row">Nom</th><td>Oui</td>' in body and "Colonne « Name » ou « Nom »" in body
    assert '<th scope="row">Téléphone</th><td>Non</td>' in body
    assert "Télécharger le modèle" in body
    body = text(upload(manager_client, b"", "vide.csv"))
    assert "Le fichier est vide." in body


def test_formulas_are_imported_as_text_and_exported_neutralised(app, manager_client, started):
    job_id = checked(manager_client, formulas_csv())
    manager_client.post(f"/clients/import/{job_id}/start")
    assert run(app, job_id) == "done"
    with app.app_context():
        names = set(db.session.scalars(select(Client.name)))
        first = db.session.scalars(select(Client).where(Client.code == "F-1")).one()
        assert (first.address, first.phone) == ("@SUM(A1)", "+33 1 23 45 67 89")
    assert names == {'=HYPERLINK("http://evil.example","Click")', "-Minus Company"}
    rows = exported(manager_client)
    assert ["'-Minus Company", "F-2", "'+plus street", "", "", "Company", "", "", ""] in rows
    assert ["'=HYPERLINK(\"http://evil.example\",\"Click\")", "F-1", "'@SUM(A1)", "",
            "'+33 1 23 45 67 89", "Company", "", "", ""] in rows


def test_possible_duplicates_are_left_out_unless_created_anyway(app, manager_client, started):
    add_client(app, name="Acme, Inc.")
    data = b"Name\nACME\nNew One\n"
    left_out = checked(manager_client, data)
    page = manager_client.get(f"/clients/import/{left_out}")
    assert figure(text(page), "Possible duplicates") == "1"
    assert "Create them anyway: the 1 possible duplicate too" in text_of(page)
    assert manager_client.post(f"/clients/import/{left_out}/start").status_code == 303
    assert run(app, left_out) == "done"
    assert job_of(app, left_out).created_count == 1
    anyway = checked(manager_client, data)
    assert manager_client.post(f"/clients/import/{anyway}/start",
                               data={"create_duplicates": "1"}).status_code == 303
    assert run(app, anyway) == "done"
    job = job_of(app, anyway)
    assert job.create_duplicates and job.created_count == 2 and job.done_rows == 2
    with app.app_context():
        names = sorted(db.session.scalars(select(Client.name)))
    assert names == ["ACME", "Acme, Inc.", "New One", "New One"]


def test_empty_cells_keep_the_current_value_unless_unticked(app, manager_client, started):
    client_id = add_client(app, name="Acme", code="A1", email="a@acme.example", phone="01")
    data = b"Name,Code,Email,Phone\nAcme,A1,,02\n"
    kept = checked(manager_client, data, mode="update")
    assert "Empty cells keep the current value" in text_of(manager_client.get("/clients/import"))
    manager_client.post(f"/clients/import/{kept}/start")
    assert run(app, kept) == "done"
    client = load_client(app, client_id)
    assert (client.email, client.phone) == ("a@acme.example", "02")

    response = manager_client.post("/clients/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data.replace(b"02", b"03")), "c.csv"), "mode": "update",
        "keep_empty_shown": "1"})
    erased = job_id_of(response)
    assert not job_of(app, erased).keep_empty
    manager_client.post(f"/clients/import/{erased}/start")
    assert run(app, erased) == "done"
    client = load_client(app, client_id)
    assert (client.email, client.phone) == (None, "03")


def test_the_error_count_says_rows_and_errors(app, manager_client):
    job_id = checked(manager_client, b"Name,Email,Phone\n,bad,x!\nGood,,\n")
    assert "1 row with 3 errors." in text_of(manager_client.get(f"/clients/import/{job_id}"))
