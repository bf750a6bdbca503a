"""Reading import files: encodings, delimiters, quotes, line ends, Excel, and every way a
file can be unreadable (each with its own message, never an exception escaping)."""
import csv
import io

import pytest

from clientapp.imports.reading import (FileProblem, match_headers, neutralise, read_table,
                                       sniff_delimiter, unneutralise)

from .test_imports_samples import (FRENCH_ROWS, french_excel_csv, french_headers_csv,
                                   libreoffice_csv, utf8_bom_csv, xlsx)


def read_all(data: bytes, filename: str = "clients.csv", **options):
    table = read_table(data, filename, **options)
    return table, list(table.rows)


def problem(data: bytes, filename: str = "clients.csv", **options) -> str:
    with pytest.raises(FileProblem) as caught:
        table = read_table(data, filename, **options)
        list(table.rows)
    return str(caught.value.message)


def test_french_excel_export_is_read_as_windows_1252_with_semicolons():
    table, rows = read_all(french_excel_csv())
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.headers == FRENCH_ROWS[0]
    assert [cells for _line, cells in rows] == FRENCH_ROWS[1:]
    assert [line for line, _cells in rows] == [2, 3, 4]


def test_french_headers_match_every_field():
    table, _rows = read_all(french_excel_csv())
    assert match_headers(table.headers) == {"name": 0, "code": 1, "address": 2, "email": 3,
                                            "phone": 4}
    table, _rows = read_all(french_headers_csv())
    assert match_headers(table.headers) == {"name": 0, "address": 1, "email": 2, "phone": 3,
                                            "type": 4}


def test_headers_match_ignoring_case_accents_and_punctuation():
    assert match_headers(["  NAME ", "E-Mail", "TÉLÉPHONE", "adresse", "Notes"]) == {
        "name": 0, "email": 1, "phone": 2, "address": 3}
    # The first column of a field wins; a second one is left to the unknown columns.
    assert match_headers(["Nom", "Name"]) == {"name": 0}


def test_utf8_with_bom_keeps_no_bom_in_the_first_header():
    table, rows = read_all(utf8_bom_csv())
    assert table.encoding == "utf-8"
    assert table.headers[0] == "Name"
    assert rows[0][1] == ["Zoë Müller", "ZM-1", "Straße 5"]
    assert rows[1][1][2] == "Stockholm, Sweden"


def test_utf8_without_bom():
    table, rows = read_all("Name\nÉcole Française\n".encode("utf-8"))
    assert table.encoding == "utf-8"
    assert rows == [(2, ["École Française"])]


def test_libreoffice_line_breaks_and_quotes_inside_cells():
    table, rows = read_all(libreoffice_csv())
    assert table.delimiter == ","
    assert rows[0] == (2, ['Acme "The Best" Ltd', "AC-1", "1 Main Street\nSpringfield\nUSA",
                           "a@acme.example"])
    # A record's line is the line it starts on, after cells that span lines.
    assert rows[1][0] == 5 and rows[1][1][2] == "Line one\r\nLine two, with a comma"
    assert rows[2][0] == 7


def test_crlf_line_ends_and_blank_lines():
    table, rows = read_all(b"Name,Code\r\n\r\nA,1\r\n  ,  \r\nB,2\r\n")
    assert rows == [(3, ["A", "1"]), (5, ["B", "2"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_found_from_the_header_line(delimiter):
    text = delimiter.join(["Name", "Code", "Address"]) + "\n" + delimiter.join(
        ["Acme, Inc.; the first", "A|1", "x"]) + "\n"
    table, rows = read_all(text.encode())
    assert table.delimiter == delimiter
    assert table.headers == ["Name", "Code", "Address"]


def test_known_header_names_decide_between_delimiters():
    # Three cells either way; only ";" gives cells that are field names.
    assert sniff_delimiter("Name;Address, city;Code") == ";"
    assert sniff_delimiter("Just one column") == ","


def test_tsv_file():
    table, rows = read_all(b"Name\tCode\nA\t1\n", "clients.tsv")
    assert table.delimiter == "\t" and rows == [(2, ["A", "1"])]


def test_the_user_can_choose_encoding_and_delimiter():
    data = french_excel_csv()
    assert "cannot be read as UTF-8" in problem(data, encoding="utf-8")
    table, rows = read_all(data, encoding="latin-1", delimiter=",")
    assert table.delimiter == "," and table.encoding == "latin-1"
    assert table.headers == ["Nom;Code;Adresse;Courriel;Téléphone"]


def test_mac_roman_file_reads_right_when_chosen():
    data = "Nom\nCafé Crème\n".encode("mac_roman")
    _table, rows = read_all(data, encoding="mac_roman")
    assert rows == [(2, ["Café Crème"])]


def test_utf16_with_bom():
    data = "Name\tCode\r\nÉcole\t1\r\n".encode("utf-16")
    table, rows = read_all(data, "clients.txt")
    assert table.encoding == "utf-16" and rows == [(2, ["École", "1"])]


def test_excel_workbook_values_become_text():
    import datetime

    data = xlsx([["Nom", "Code", "Téléphone", "Depuis"], [],
                 ["Café Crème", 42, 5145550101, datetime.date(2024, 1, 2)],
                 ["Half", 3.5, None, True]])
    table, rows = read_all(data, "clients.xlsx")
    assert table.kind == "xlsx"
    assert table.headers == ["Nom", "Code", "Téléphone", "Depuis"]
    assert rows == [(3, ["Café Crème", "42", "5145550101", "2024-01-02"]),
                    (4, ["Half", "3.5", "", "TRUE"])]


def test_excel_escapes_in_workbook_cells_are_taken_back():
    # Excel writes a carriage return in a cell as _x000D_, and that text typed as such with
    # its underscore escaped.
    data = xlsx([["Name", "Address"], ["Acme", "1 Main St_x000D_\nSpringfield"],
                 ["Literal", "_x005F_x000D_"]])
    _table, rows = read_all(data, "clients.xlsx")
    assert rows == [(2, ["Acme", "1 Main St\r\nSpringfield"]), (3, ["Literal", "_x000D_"])]


# --- Files that cannot be read: a clear message each --------------------------------------
def test_empty_file():
    assert problem(b"") == "The file is empty."
    assert problem(b"\xef\xbb\xbf \r\n\r\n") == "The file is empty."


def test_binary_file():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert "not a spreadsheet or a text file" in problem(png)
    noise = bytes((i * 7) % 32 for i in range(4000))
    assert "not a spreadsheet or a text file" in problem(noise, "clients.txt")


def test_excel_workbook_renamed_csv():
    message = problem(xlsx([["Name"], ["Acme"]]), "clients.csv")
    assert "Excel workbook with a .csv name" in message


def test_old_xls_and_broken_xlsx():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert "old Excel .xls" in problem(ole, "clients.xlsx")
    assert "old Excel .xls" in problem(ole, "clients.csv")
    assert "not a valid Excel workbook" in problem(b"Name\nAcme\n", "clients.xlsx")


def test_a_zip_that_is_not_a_workbook():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "not a spreadsheet or a text file" in problem(out.getvalue(), "clients.xlsx")


def test_unsupported_extension():
    assert "Use a .csv, .txt, .tsv or .xlsx file." == problem(b"Name\nA\n", "clients.pdf")


def test_nul_byte_names_its_line():
    message = problem(b"Name\nGood\nBad\x00Name\n")
    assert "Line 3 contains a NUL character" in message


@pytest.mark.parametrize("size", [100_001, 200_000])
def test_a_field_over_100000_characters(size):
    # Both sides of the csv module's own limit (131,072) give the same message.
    data = b"Name,Address\nAcme," + b"x" * size + b"\n"
    assert "Line 2 has a value of more than 100,000 characters" in problem(data)


def test_an_unclosed_quote_swallowing_the_file():
    data = b'Name,Address\nAcme,"1 Main Street\n' + b"Next row,no quote\n" * 8000
    assert "A quotation mark is probably not closed" in problem(data)


def test_too_many_rows():
    data = ("Name\n" + "".join(f"Client {i}\n" for i in range(11))).encode()
    assert "more than 10 rows" in problem(data, max_rows=10)
    _table, rows = read_all(data[: data.index(b"Client 10")], max_rows=10)
    assert len(rows) == 10


# --- Formula neutralisation round trip ------------------------------------------------------
@pytest.mark.parametrize("value", ["=1+2", "+33 1 23", "-5", "@SUM(A1)", "\tx", "\rx", "'=x",
                                   "''+y", "'plain", "plain", "a=b", "", "'", "''"])
def test_neutralise_then_unneutralise_gives_the_value_back(value):
    out = neutralise(value)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unneutralise(out) == value


def test_a_neutralised_cell_survives_the_csv_module():
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise("=cmd|' /C calc'!A0")])
    cells = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert cells == ["'=cmd|' /C calc'!A0"]
    assert unneutralise(cells[0]) == "=cmd|' /C calc'!A0"
