"""What an uploaded .xlsx must pass before openpyxl reads it.

A workbook is a zip of XML parts, and a few kilobytes of zip can unpack to gigabytes. Even
in read-only mode openpyxl holds some of what it reads until the workbook is closed: the
whole shared string table, every part but the worksheets, and a trace of every row of the
sheet it streams. So the zip's own directory is judged first (sizes, compression ratios),
then the XML of every part is scanned, in a stream that keeps nothing, to tally what
openpyxl would hold; only a workbook within bounds is opened.
"""
import zipfile
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from .reading import FileProblem

MAX_RATIO = 100
# Small parts are not judged by their ratio: a few hundred kilobytes of repetitive XML (an
# empty sheet's styles, a theme) legitimately pack beyond 100:1, and a part that small
# cannot hurt; the limit on the unpacked total still counts them.
RATIO_FLOOR = 1024 * 1024
MAX_CELLS_IN_ROW = 16_384  # Excel's own column limit: more was not made by a spreadsheet

# What openpyxl keeps, in bytes, for each thing it reads (measured on CPython; generous).
# The largest workbook the importer accepts (its most rows, every field a different text)
# stays well within HELD_BUDGET, and the budget keeps the server's peak memory bounded
# whatever a crafted file holds.
HELD_BUDGET = 250 * 1024 * 1024
HELD_PER_STRING = 150  # one entry of the shared string table, besides its text
HELD_PER_ROW = 100  # a row openpyxl has streamed past stays in its tree, emptied
HELD_PER_ROW_DIMENSION = 300  # plus a record for a row with a height, style or the like
HELD_PER_ATTRIBUTE = 100
HELD_PER_ELEMENT = 450  # an element of a part read whole (styles, workbook, relationships)
SHEETS = "xl/worksheets/"
SHARED_STRINGS = "xl/sharedStrings.xml"
_ROW_KEYS_NOT_KEPT = {"r", "spans"}


def sheet_rows_limit(max_rows: int) -> int:
    """The importer refuses more than max_rows rows with data (and the header); a sheet may
    hold as many empty rows again, no more."""
    return 2 * max_rows + 1


def too_many_sheet_rows(limit: int) -> FileProblem:
    return FileProblem(_l("The sheet has more than %(max)s rows, empty ones included. Delete "
                          "the empty rows below your data, or split the file.",
                          max=f"{limit:,}"))


def _refused():
    return FileProblem(_l("This Excel workbook is put together in a way no spreadsheet "
                          "writes, so it is not opened. Open it in your spreadsheet and save "
                          "it again as .xlsx or as CSV."))


def _too_large():
    return FileProblem(_l("This Excel workbook is too large to check at once. Save it as CSV, "
                          "or split it into smaller files."))


def _unreadable():
    return FileProblem(_l("This Excel workbook cannot be read. Open it in your spreadsheet and "
                          "save it again as .xlsx or as CSV."))


def check_archive(archive: zipfile.ZipFile, max_unpacked: int) -> None:
    """Raise FileProblem unless every part of `archive` is safe for openpyxl to read."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    # The central directory's sizes are binding: zipfile stops every member at its declared
    # size (and fails its CRC past it), so a part cannot unpack to more than it says.
    total = sum(info.file_size for info in members)
    if total > max_unpacked:
        raise FileProblem(_l("This Excel workbook unpacks to more than %(max)s MB, more than an "
                             "import can take. Save it as CSV, or split it into smaller files.",
                             max=f"{max_unpacked / 1024 / 1024:g}"))
    for info in members:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise _refused()
    held = [0]
    for info in members:
        if info.filename.endswith((".xml", ".rels")):
            _scan_part(archive, info, held)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, held: list) -> None:
    """Add to held[0] what openpyxl would keep of this part, in one streaming pass."""
    is_sheet = info.filename.startswith(SHEETS)
    is_strings = info.filename == SHARED_STRINGS
    if is_strings:
        held[0] += info.file_size  # the texts: at most the part itself
    cells_in_row = [0]

    def hold(size):
        held[0] += size
        if held[0] > HELD_BUDGET:
            raise _too_large()

    def sheet_start(tag, attributes):
        # Names as openpyxl will see them (it reads through the same parser), prefix aside.
        local = tag if ":" not in tag else tag.rpartition(":")[2]
        if local == "c":
            cells_in_row[0] += 1
            if cells_in_row[0] > MAX_CELLS_IN_ROW:
                raise _refused()
        elif local == "row":
            cells_in_row[0] = 0
            size = HELD_PER_ROW
            if any(":" not in key and key not in _ROW_KEYS_NOT_KEPT for key in attributes):
                size += HELD_PER_ROW_DIMENSION + sum(
                    HELD_PER_ATTRIBUTE + len(value) for value in attributes.values())
            hold(size)

    def strings_start(tag, _attributes):
        if tag == "si" or tag.endswith(":si"):
            hold(HELD_PER_STRING)

    def part_start(_tag, _attributes):
        hold(HELD_PER_ELEMENT)

    def no_doctype(*_args):
        # No part of a workbook has a DTD; its entities are how XML multiplies itself far
        # beyond the sizes judged above.
        raise _refused()

    parser = expat.ParserCreate()
    parser.StartElementHandler = (sheet_start if is_sheet else strings_start if is_strings
                                  else part_start)
    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    try:
        with archive.open(info) as stream:
            parser.ParseFile(stream)
    except FileProblem:
        raise
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError):
        raise _unreadable()
