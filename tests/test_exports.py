"""The client list's export: the choice of formats, and each format's bytes read back as the
program it is meant for would read them (the csv module with its delimiter, openpyxl)."""
import csv
import html
import io
import zipfile
from datetime import datetime, timezone

import openpyxl
import pytest
from sqlalchemy import select

from clientapp.auth.models import User
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .factories import add_client

HEADER = ["Name", "Code", "Address", "Email", "Phone", "Type", "Contact name", "Contact email",
          "Contact phone"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows_of(response, export_format: str) -> list:
    """The exported rows, header first, as the format's own reader gives them."""
    assert response.status_code == 200
    data = response.data
    if export_format == "xlsx":
        assert response.headers["Content-Type"] == XLSX_TYPE
        book = openpyxl.load_workbook(io.BytesIO(data))
        return [["" if value is None else value for value in row]
                for row in book.active.iter_rows(values_only=True)]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert data.startswith(b"\xef\xbb\xbf")
    delimiter = ";" if export_format == "csv-fr" else ","
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=delimiter))


def export(client, export_format: str, query: str = ""):
    return client.get(f"/clients/export?format={export_format}" + query)


@pytest.fixture
def listed(app):
    add_client(app, name="Beta", code="B", address="1 rue Haute\nLyon", phone="+33 1 23 45 67 89")
    add_client(app, name="alpha", code="A", email="a@example.com", type="individual")
    add_client(app, name="Gone", archived_at=datetime.now(timezone.utc))


# --- The choice of formats --------------------------------------------------------------------
def test_the_formats_as_a_page_and_as_a_dialog(app, viewer_client, listed):
    page = viewer_client.get("/clients/export/formats?q=a&sort=-name&view=all&page=3")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "<h1 id=\"client-dialog-title\">Export clients</h1>" in body
    assert "2 clients, archived ones included, in the list's order." in body
    assert "Only those the search “a” finds." in body
    for export_format, label in (("csv", "CSV"), ("csv-fr", "CSV for Excel in French"),
                                 ("xlsx", "Excel (.xlsx)")):
        href = html.escape(f"/clients/export?format={export_format}&q=a&sort=-name&view=all")
        assert (f'<a class="button" href="{href}" download '
                f'aria-describedby="export-{export_format}-hint">{label}</a>') in body
    assert '<a class="button" href="/clients?q=a&amp;sort=-name&amp;view=all&amp;page=3">Back to clients</a>' in body

    dialog = viewer_client.get("/clients/export/formats?view=archived", htmx=True)
    assert_fragment(dialog, "client-dialog")
    body = dialog.get_data(as_text=True)
    assert body.lstrip().startswith("<dialog") and "data-open-on-load" in body
    assert "1 archived client, in the list's order." in body
    assert ">Close</button>" in body and "Only those" not in body


def test_the_formats_in_french(app, viewer_client, listed):
    with app.app_context():
        db.session.scalars(select(User).where(User.role == "viewer")).one().locale = "fr"
        db.session.commit()
    body = viewer_client.get("/clients/export/formats", htmx=True).get_data(as_text=True)
    assert "Exporter les clients" in body and "CSV pour Excel en français" in body
    assert "2 clients actifs" in body and ">Fermer</button>" in body


def test_an_unknown_format_is_not_found(viewer_client):
    assert viewer_client.get("/clients/export?format=pdf").status_code == 404


# --- Each format read back ----------------------------------------------------------------------
@pytest.mark.parametrize("export_format", ["csv", "csv-fr", "xlsx"])
def test_each_format_holds_the_list_view_in_its_order(app, viewer_client, listed, export_format):
    rows = rows_of(export(viewer_client, export_format), export_format)
    csv_phone = "+33 1 23 45 67 89" if export_format == "xlsx" else "'+33 1 23 45 67 89"
    assert rows == [HEADER,
                    ["alpha", "A", "", "a@example.com", "", "Individual", "", "", ""],
                    ["Beta", "B", "1 rue Haute\nLyon", "", csv_phone, "Company", "", "", ""]]
    names = [row[0] for row in rows_of(export(viewer_client, export_format, "&sort=-name"),
                                       export_format)[1:]]
    assert names == ["Beta", "alpha"]
    assert [row[0] for row in rows_of(export(viewer_client, export_format, "&q=bet"),
                                      export_format)[1:]] == ["Beta"]
    assert [row[0] for row in rows_of(export(viewer_client, export_format, "&view=archived"),
                                      export_format)[1:]] == ["Gone"]


@pytest.mark.parametrize("export_format, suffix", [("csv", ".csv"), ("csv-fr", "-excel-fr.csv"),
                                                   ("xlsx", ".xlsx")])
def test_each_format_is_a_download_named_for_its_view(viewer_client, export_format, suffix):
    disposition = export(viewer_client, export_format, "&view=archived").headers[
        "Content-Disposition"]
    today = datetime.now().date().isoformat()
    assert disposition == f'attachment; filename="clients-archived-{today}{suffix}"'


def test_the_french_excel_csv_uses_semicolons_and_crlf(app, viewer_client, listed):
    data = export(viewer_client, "csv-fr").data
    assert data.startswith("\ufeffName;Code;Address;Email;Phone;Type;Contact name;Contact email;Contact phone\r\n".encode("utf-8"))
    assert "alpha;A;;a@example.com;;Individual;;;\r\n".encode("utf-8") in data


def test_the_workbook_cells_are_all_text(app, viewer_client):
    add_client(app, name="=1+2", code="#N/A", phone="+33 1 23 45 67 89", address="@home",
               email="0123")
    add_client(app, name="'=quoted", code="Q")
    data = export(viewer_client, "xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active  # formulas as written, not values
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    assert cells and {cell.data_type for cell in cells} == {"s"}
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    # Typed as text, a formula is inert and a phone number shows as typed: no apostrophe.
    assert values[1] == ["=1+2", "#N/A", "@home", "0123", "+33 1 23 45 67 89", "Company",
                         None, None, None]
    # A value that looks neutralised already keeps its quote through the import's undoing.
    assert values[0][:2] == ["''=quoted", "Q"]
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_the_csv_neutralises_formulas(app, viewer_client):
    add_client(app, name="=1+2", code="-5", address="@home")
    for export_format in ("csv", "csv-fr"):
        row = rows_of(export(viewer_client, export_format), export_format)[1]
        assert row[:3] == ["'=1+2", "'-5", "'@home"]


def test_characters_a_workbook_cannot_hold_are_left_out(app, viewer_client):
    add_client(app, name="Bell\x07 Ltd", address="Tab\there")
    rows = rows_of(export(viewer_client, "xlsx"), "xlsx")
    assert rows[1][:3] == ["Bell Ltd", "", "Tab\there"]



def test_line_ends_and_escape_like_texts_come_back_from_the_workbook(app, viewer_client):
    from clientapp.imports.reading import read_table

    add_client(app, name="CRLF", address="One\r\nTwo\rThree", code="_x000D_ and _x005F_")
    table = read_table(export(viewer_client, "xlsx").data, "clients.xlsx")
    assert list(table.rows)[0][1][:3] == ["CRLF", "_x000D_ and _x005F_", "One\r\nTwo\rThree"]
