"""Reading an uploaded file into a header and rows of text, whatever made it.

Spreadsheets export CSV in many ways: UTF-8 with or without a BOM, Windows-1252 from a
French Excel, `;` instead of `,`, CRLF line ends, line breaks inside quoted cells. This
module turns any of those (and .xlsx workbooks) into the same thing, or refuses the file
with a message a user can act on. It never writes anything.
"""
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from ..text import fold

FIELDS = ("name", "code", "address", "email", "phone", "type")  # template and export order
# The client's primary contact, created or updated by an import, written by the export.
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
IMPORT_FIELDS = FIELDS + CONTACT_FIELDS  # every column a file may have
MAX_FIELD = 100_000  # characters in one cell: more means a broken file (an unclosed quote)
TEXT_EXTENSIONS = ("csv", "txt", "tsv")
EXTENSIONS = TEXT_EXTENSIONS + ("xlsx",)
DELIMITERS = {",": _l("Comma ( , )"), ";": _l("Semicolon ( ; )"), "\t": _l("Tab"),
              "|": _l("Vertical bar ( | )")}
ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "ISO-8859-1 (Latin-1)",
             "iso8859-15": "ISO-8859-15 (Latin-9)", "mac_roman": "Mac Roman",
             "cp850": "DOS (CP850)", "utf-16": "UTF-16"}

# Header names a column is recognised by, folded (no case, accents or punctuation).
HEADER_NAMES = {
    "name": ("name", "nom", "client", "clientname", "nomduclient", "nomclient", "companyname",
             "raisonsociale"),
    "code": ("code", "clientcode", "codeclient", "codeduclient"),
    "address": ("address", "adresse", "postaladdress", "adressepostale", "clientaddress"),
    "email": ("email", "courriel", "mail", "emailaddress", "adressecourriel",
              "adressedecourriel", "adresseemail", "courrielelectronique"),
    "phone": ("phone", "telephone", "tel", "phonenumber", "numerodetelephone", "telephonenumber"),
    "type": ("type", "clienttype", "typedeclient", "typeclient"),
    "contact_name": ("contactname", "contact", "nomducontact", "nomcontact", "contactnom",
                     "interlocuteur", "personnecontact", "primarycontact", "contactprincipal"),
    "contact_email": ("contactemail", "contactmail", "emailducontact", "courrielducontact",
                      "emailcontact", "courrielcontact", "contactcourriel",
                      "adressecourrielducontact"),
    "contact_phone": ("contactphone", "contacttelephone", "contacttel", "telephoneducontact",
                      "telducontact", "telephonecontact", "telcontact"),
}
_HEADER_LOOKUP = {alias: name for name, aliases in HEADER_NAMES.items() for alias in aliases}


class FileProblem(Exception):
    """The file cannot be imported as it is; `message` tells the user why."""

    def __init__(self, message):
        super().__init__(message)
        self._message = message  # a lazy string: shown in the reader's language

    @property
    def message(self) -> str:
        # A plain str, never the lazy string itself: Jinja trusts a lazy string's __html__
        # and would not escape the file name or encoding the message may quote.
        return str(self._message)


@dataclass
class Table:
    kind: str  # csv or xlsx
    headers: list
    rows: Iterator  # (line, cells) for every non-empty row after the header
    encoding: str | None = None
    delimiter: str | None = None
    preview: list = field(default_factory=list)  # the first rows, for the user to judge


def header_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", fold(text or ""))


def match_headers(headers: list, lookup: dict | None = None) -> dict:
    """{field: column index} for the columns whose header names a field (first one wins).
    `lookup`: {folded header name: field} of the import's target (the clients' by default)."""
    lookup = _HEADER_LOOKUP if lookup is None else lookup
    mapping = {}
    for index, header in enumerate(headers):
        name = lookup.get(header_key(header))
        if name and name not in mapping:
            mapping[name] = index
    return mapping


# --- Formula injection: what export neutralises, import takes back. -------------------------
# A cell starting with one of these is run as a formula by spreadsheets. Export puts a "'"
# in front (also in front of cells that already start with quotes then one of these, so
# that taking one quote back on import gives exactly the original).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value: str | None) -> str:
    if not value:
        return ""
    if value.startswith(FORMULA_START) or _NEUTRALISED.match(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    return value[1:] if _NEUTRALISED.match(value) else value


# --- Workbook cells ----------------------------------------------------------------------------
# Characters XML 1.0 cannot hold (tab and line ends aside): a workbook cell cannot keep them.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# XML reads a carriage return as a line feed, so Excel writes one in a cell as "_x000D_" (and
# a "_x000D_" typed as such as "_x005F_x000D_"); openpyxl hands both over as they are.
_OOXML_ESCAPE = re.compile(r"_x(000[dD]|005[fF])_")


def text_cell(value: str | None) -> str:
    """A value for a workbook cell typed as text. Such a cell is never run as a formula, so
    it needs no neutralising; only a value that already looks neutralised gets one more
    quote, which the import takes back like any other."""
    if not value:
        return ""
    value = _NOT_IN_XML.sub("", value)
    if _NEUTRALISED.match(value):
        value = "'" + value
    if "_x" in value:
        value = _OOXML_ESCAPE.sub(r"_x005F_x\1_", value)
    return value.replace("\r", "_x000D_")


def _unescape_cell(text: str) -> str:
    return _OOXML_ESCAPE.sub(lambda m: "_" if m.group(1) in ("005F", "005f") else "\r", text)


# --- Bytes to text ---------------------------------------------------------------------------
_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"\x7fELF", b"MZ",
          b"BZh", b"7z\xbc\xaf", b"Rar!", b"\x00\x00\x01\x00", b"RIFF", b"ID3", b"OggS",
          b"\x1a\x45\xdf\xa3", b"SQLite format 3")
_OLE = b"\xd0\xcf\x11\xe0"  # old .xls (and .doc) files
# Bytes no text file holds (tab, line ends, form feed, ^Z and escape aside).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26, 27))
_ZIP = b"PK\x03\x04"
# Letters Western text is made of; the encoding that gives more of them is the right one.
_WESTERN = set("àâäáãåçéèêëíìîïñóòôöõúùûüÿœæßÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜŸŒÆ€’‘“”«»–—…°")


def _not_text():
    return FileProblem(_l("This file is not a spreadsheet or a text file. Upload a .csv, .txt, "
                          ".tsv or .xlsx file."))


def _is_binary(sample: bytes) -> bool:
    if sample.startswith(_MAGIC) or sample.startswith(_OLE):
        return True
    control = len(sample) - len(sample.translate(None, _CONTROL))
    return control > max(8, len(sample) // 20)


def _western_score(text: str) -> int:
    return sum(1 for ch in text if ch in _WESTERN) - 4 * sum(
        1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\t\r\n")


def _guess_single_byte(data: bytes) -> str:
    """Windows-1252 unless charset-normalizer's guess points to a Mac or DOS file and that
    reading gives more Western letters. (Alone, its guess is often wrong for short French
    text: it says cp1250 for cp1252.)"""
    sample = data[:65536]
    candidates = ["cp1252"]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        guess = best.encoding if best else ""
    except Exception:  # a hint only: never a reason to refuse a file
        guess = ""
    if guess.startswith("mac"):
        candidates.append("mac_roman")
    elif guess in ("cp437", "cp850", "cp856", "cp858", "cp860", "cp863", "cp865"):
        candidates.append("cp850")
    elif guess in ("iso8859_15", "latin_1"):
        candidates.append("iso8859-15" if guess == "iso8859_15" else "latin-1")
    best_encoding, best_score = None, None
    for encoding in candidates:
        try:
            score = _western_score(sample.decode(encoding, errors="ignore"))
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if best_score is None or score > best_score:
            best_encoding, best_score = encoding, score
    return best_encoding or "latin-1"  # Latin-1 decodes any byte


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding): the chosen encoding, else strict UTF-8 (with or without BOM), else
    a Western single-byte encoding."""
    if encoding:
        try:
            if encoding == "utf-8":
                return data.decode("utf-8-sig"), encoding
            return data.decode(encoding).lstrip("\ufeff"), encoding
        except (UnicodeDecodeError, LookupError):
            raise FileProblem(_l("The file cannot be read as %(encoding)s. Choose another "
                                 "encoding.", encoding=ENCODINGS.get(encoding, encoding)))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _not_text()
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    chosen = _guess_single_byte(data)
    return data.decode(chosen), chosen


def sniff_delimiter(first_line: str, lookup: dict | None = None) -> str:
    """The delimiter under which the header line names the most known fields, then has the
    most columns; a comma when nothing tells."""
    lookup = _HEADER_LOOKUP if lookup is None else lookup
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        known = sum(1 for cell in cells if header_key(cell) in lookup)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _too_long(line: int):
    return FileProblem(_l("Line %(line)s has a value of more than 100,000 characters. A quotation "
                          "mark is probably not closed.", line=line))


def _too_many(max_rows: int):
    return FileProblem(_l("The file has more than %(max)s rows. Split it into smaller files and "
                          "import them one after the other.", max=format_decimal(max_rows)))


def _csv_rows(text: str, delimiter: str, max_rows: int):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _too_long(previous_end + 1)
            raise FileProblem(_l("Line %(line)s cannot be read: %(reason)s",
                                 line=reader.line_num, reason=str(exc)))
        line = previous_end + 1
        previous_end = reader.line_num
        joined = "".join(cells)
        if not joined.strip():
            continue
        if len(joined) > MAX_FIELD and any(len(cell) > MAX_FIELD for cell in cells):
            raise _too_long(line)
        count += 1
        if count > max_rows + 1:  # + 1: the header
            raise _too_many(max_rows)
        yield line, cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:-9] if text.endswith("T00:00:00") else text
    if isinstance(value, str):
        return _unescape_cell(value) if "_x" in value else value
    return str(value)


def _xlsx_rows(data: bytes, max_rows: int):
    import openpyxl

    from .workbook_guard import sheet_rows_limit, too_many_sheet_rows

    max_lines = sheet_rows_limit(max_rows)
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores; not the user's concern.
        warnings.simplefilter("ignore")
        try:
            # Read-only: the sheet is streamed rather than built whole in memory.
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise FileProblem(_l("This Excel workbook cannot be read. Open it in your spreadsheet "
                                 "and save it again as .xlsx or as CSV."))
        try:
            sheet = book.worksheets[0]
            count = 0
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                # openpyxl makes up the rows that a jump in row numbers (or the sheet's
                # stated size) leaves out: counted here, they cannot run on for ever.
                if line > max_lines:
                    raise too_many_sheet_rows(max_lines)
                if values.count(None) == len(values):
                    continue
                cells = [_cell_text(value) for value in values]
                if not any(cell.strip() for cell in cells):
                    continue
                for cell in cells:
                    if len(cell) > MAX_FIELD:
                        raise _too_long(line)
                count += 1
                if count > max_rows + 1:
                    raise _too_many(max_rows)
                yield line, cells
        finally:
            book.close()


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def read_table(data: bytes, filename: str, encoding: str | None = None,
               delimiter: str | None = None, max_rows: int = 200_000,
               max_unpacked: int = 100 * 1024 * 1024, lookup: dict | None = None) -> Table:
    """The file's header and an iterator of its rows. Problems found up front raise
    FileProblem here; the row iterator raises it for what only shows further down.
    `lookup`: the import target's header names, to tell the delimiter by."""
    extension = _extension(filename)
    if extension not in EXTENSIONS:
        raise FileProblem(_l("Use a .csv, .txt, .tsv or .xlsx file."))
    if not data.strip(b" \t\r\n\x1a\xef\xbb\xbf"):
        raise FileProblem(_l("The file is empty."))

    if data.startswith(_ZIP):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise _not_text()
        if "xl/workbook.xml" not in archive.namelist():
            raise _not_text()
        if extension != "xlsx":
            raise FileProblem(_l("This file is an Excel workbook with a .%(extension)s name. "
                                 "Rename it to .xlsx, or save it from your spreadsheet as CSV.",
                                 extension=extension))
        from .workbook_guard import check_archive

        check_archive(archive, max_unpacked)  # before openpyxl opens anything
        rows = _xlsx_rows(data, max_rows)
        kind, used_encoding, used_delimiter = "xlsx", None, None
    elif extension == "xlsx":
        if data.startswith(_OLE):
            raise FileProblem(_l("This is an old Excel .xls file. Save it as .xlsx or as CSV."))
        raise FileProblem(_l("This file is not a valid Excel workbook. Save it again as .xlsx "
                             "or as CSV."))
    else:
        if data.startswith(_OLE):
            raise FileProblem(_l("This is an old Excel .xls file. Save it as .xlsx or as CSV."))
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        if not utf16 and _is_binary(data[:65536]):
            raise _not_text()
        text, used_encoding = decode(data, encoding)
        text = text.rstrip("\x1a")  # the end-of-file mark of old DOS programs
        nul = text.find("\x00")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            raise FileProblem(_l("Line %(line)s contains a NUL character, which a text file "
                                 "cannot hold. Save the file again from your spreadsheet as "
                                 "CSV.", line=line))
        if not text.strip():
            raise FileProblem(_l("The file is empty."))
        first_line = re.match(r"[\r\n]*([^\r\n]*)", text).group(1)
        used_delimiter = delimiter or ("\t" if extension == "tsv" and "\t" in first_line
                                       else sniff_delimiter(first_line, lookup))
        rows = _csv_rows(text, used_delimiter, max_rows)
        kind = "csv"

    first = next(rows, None)
    if first is None:
        raise FileProblem(_l("The file is empty."))
    headers = [cell.strip() for cell in first[1]]
    return Table(kind=kind, headers=headers, rows=rows, encoding=used_encoding,
                 delimiter=used_delimiter)
