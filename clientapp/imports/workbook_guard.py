"""What an uploaded .xlsx must pass before openpyxl reads it.

A workbook is a zip of XML parts, and a few kilobytes of zip can unpack to gigabytes. Even
in read-only mode openpyxl holds much of what it reads until the workbook is closed: the
whole shared string table, every part but the worksheets' data, a trace of every row of the
sheet it streams, and each row whole while it reads it. So the zip's own directory is judged first (sizes, compression ratios),
then the XML of every part is scanned, in a stream that keeps nothing, to tally what
openpyxl would hold; only a workbook within bounds is opened.
"""
import zipfile
from xml.parsers import expat

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from .reading import FileProblem

MAX_RATIO = 100
# Small parts are not judged by their ratio: a few hundred kilobytes of repetitive XML (an
# empty sheet's styles, a theme) legitimately pack beyond 100:1, and a part that small
# cannot hurt; the limit on the unpacked total still counts them.
RATIO_FLOOR = 1024 * 1024
MAX_CELLS_IN_ROW = 16_384  # Excel's own column limit: more was not made by a spreadsheet

# What openpyxl holds, in bytes, for each thing it reads (measured on CPython, rounded up),
# besides the text itself, counted as CPython stores it (1, 2 or 4 bytes a character). What
# it keeps to the end, plus the largest row it holds while reading that row, must stay
# within HELD_BUDGET: a workbook at the importer's row limit as Excel writes it does, and
# whatever a crafted file holds, the server's peak memory stays bounded.
HELD_BUDGET = 260 * 1024 * 1024
HELD_PER_STRING = 180  # one entry of the shared string table
HELD_PER_ROW = 100  # a row openpyxl has streamed past stays in its tree, emptied
HELD_PER_ROW_DIMENSION = 300  # plus a record for a row with a height, style or the like
HELD_PER_ATTRIBUTE = 100
HELD_PER_CELL = 400  # a cell of the row being read, until the row is done
HELD_PER_ELEMENT = 700  # an element read whole: styles, workbook, merged cells (objects each)
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
                          max=format_decimal(limit)))


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
    tally = _Tally()
    for info in members:
        if info.filename.endswith((".xml", ".rels")):
            _PartScan(tally, info.filename).run(archive, info)


def _width(text: str) -> int:
    """Bytes a character CPython needs to store `text` (its widest character decides)."""
    if text.isascii():
        return 1
    widest = ord(max(text))
    return 1 if widest < 0x100 else 2 if widest < 0x10000 else 4


def _attributes_size(attributes: dict) -> int:
    return sum(HELD_PER_ATTRIBUTE + len(value) * _width(value) for value in attributes.values())


class _Tally:
    """What openpyxl would keep of the parts scanned so far."""

    def __init__(self):
        self.kept = 0

    def keep(self, size: int) -> None:
        self.kept += size
        self.passing(0)

    def passing(self, size: int) -> None:
        """`size` more held for a while (a row being read), on top of what is kept."""
        if self.kept + size > HELD_BUDGET:
            raise _too_large()


class _PartScan:
    """One streaming pass over a part, adding to the tally what openpyxl would hold of it:
    of a worksheet's data, a trace of every row, and each row whole while it is read (the
    rest of a worksheet, merged cells, validations and the like, it keeps); of the shared
    strings, every string; of any other part, all of it (it is read whole)."""

    def __init__(self, tally: _Tally, name: str):
        self.tally = tally
        self.kind = ("sheet" if name.startswith(SHEETS) else
                     "strings" if name == SHARED_STRINGS else "part")
        self.chars = 0  # of the text since the last boundary (a row, a string, an element)
        self.width = 1
        self.transient = 0  # the row being read: its cells
        self.cells = 0
        self.depth = 0
        self.data_depth = None  # the depth of <sheetData> while inside it

    def run(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        parser = expat.ParserCreate()
        parser.StartElementHandler = getattr(self, f"{self.kind}_start")
        if self.kind == "sheet":
            parser.EndElementHandler = self.sheet_end
        parser.CharacterDataHandler = self.text
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self.no_doctype
        parser.EntityDeclHandler = self.no_doctype
        try:
            with archive.open(info) as stream:
                parser.ParseFile(stream)
        except FileProblem:
            raise
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, NotImplementedError,
                RuntimeError, ValueError):
            raise _unreadable()
        self.close_text()

    @staticmethod
    def no_doctype(*_args):
        # No part of a workbook has a DTD; its entities are how XML multiplies itself far
        # beyond the sizes judged above.
        raise _refused()

    def text(self, data: str) -> None:
        self.chars += len(data)
        if self.width < 4 and not data.isascii():
            self.width = max(self.width, _width(data))

    def close_text(self) -> None:
        """The text since the last boundary, counted as one string of its widest kind: the
        row being read in a worksheet, the string just read in the shared strings, kept in
        any other part."""
        size = self.chars * self.width
        self.chars, self.width = 0, 1
        if self.data_depth is not None:
            self.tally.passing(self.transient + size)
            self.transient = 0
        elif size:
            self.tally.keep(size)

    def sheet_start(self, tag: str, attributes: dict) -> None:
        self.depth += 1
        # Names as openpyxl will see them (it reads through the same parser), prefix aside.
        local = tag if ":" not in tag else tag.rpartition(":")[2]
        if self.data_depth is None:
            self.close_text()
            if local == "sheetData":
                self.data_depth = self.depth
            else:
                self.tally.keep(HELD_PER_ELEMENT + _attributes_size(attributes))
        elif local == "c":
            self.cells += 1
            if self.cells > MAX_CELLS_IN_ROW:
                raise _refused()
            # A cell's attributes are short: counted at the widest, which costs no time.
            self.transient += HELD_PER_CELL + 4 * sum(map(len, attributes.values()))
        elif local == "row":
            self.close_text()
            self.cells = 0
            size = HELD_PER_ROW
            if any(":" not in key and key not in _ROW_KEYS_NOT_KEPT for key in attributes):
                size += HELD_PER_ROW_DIMENSION + _attributes_size(attributes)
            self.tally.keep(size)
        else:
            self.transient += HELD_PER_ATTRIBUTE + 4 * sum(map(len, attributes.values()))

    def sheet_end(self, _tag: str) -> None:
        if self.depth == self.data_depth:
            self.close_text()
            self.data_depth = None
        self.depth -= 1

    def strings_start(self, tag: str, _attributes: dict) -> None:
        if tag == "si" or tag.endswith(":si"):
            self.close_text()
            self.tally.keep(HELD_PER_STRING)

    def part_start(self, _tag: str, attributes: dict) -> None:
        self.tally.keep(HELD_PER_ELEMENT + _attributes_size(attributes))
