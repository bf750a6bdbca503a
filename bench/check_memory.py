"""Peak memory of the server while it checks an upload, each file in a fresh process.

    .venv/bin/python bench/check_memory.py [--rows 100000] [--database-url URL]

bench_import.py prints the same figures after its own. Each file is posted to the real
upload route by a child process that has built the app and signed in first; the child
prints its peak resident memory (VmHWM, the whole process: the interpreter and the app
included) and what it was before the upload. The files: a CSV of nearly 20 MB (the
largest upload), a workbook of 200,000 rows as Excel writes it (shared strings), the same
kind of workbook as openpyxl (and the app's own export) writes it (inline strings, --rows
rows), and a workbook built to hold as much as the upload checks let through. Target
(issue 9): under 400 MB. Prints figures; asserts nothing.
"""
import argparse
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from signin import signed_in  # noqa: E402  (bench/ is on the path: scripts run from it)
MAX_UPLOAD = 20 * 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_PART = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
STRINGS_REL = ('<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
               'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')


def peak_mb() -> float:
    """This process's peak resident memory, in MB. VmHWM, where Linux has it: ru_maxrss
    carries over the parent's peak through fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- Files -----------------------------------------------------------------------------------
def csv_near_limit(path: Path) -> None:
    """bench_import's clients, as many as fit under the upload limit."""
    from bench_import import make_file

    rows = 170_000
    make_file(path, rows)
    while path.stat().st_size > MAX_UPLOAD:
        rows -= 5_000
        make_file(path, rows)


def _workbook(path: Path, sheet_rows, strings=None) -> None:
    """A one-sheet workbook whose sheet XML is streamed from `sheet_rows` (row XML strings)
    and whose shared strings, if any, from `strings` (texts)."""
    import openpyxl

    base = openpyxl.Workbook()
    base.active.append(["Name"])
    buffer = io.BytesIO()
    base.save(buffer)
    template = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for info in template.infolist():
            data = template.read(info.filename)
            if strings is not None and info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", STRINGS_PART.encode() + b"</Types>")
            elif strings is not None and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>",
                                    STRINGS_REL.encode() + b"</Relationships>")
            elif info.filename == "xl/worksheets/sheet1.xml":
                continue
            book.writestr(info.filename, data)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                       f"<sheetData>".encode())
            for xml in sheet_rows:
                part.write(xml.encode())
            part.write(b"</sheetData></worksheet>")
        if strings is not None:
            with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
                for text in strings:
                    part.write(f"<si><t>{escape(text)}</t></si>".encode())
                part.write(b"</sst>")


def excel_style(path: Path, source: Path) -> None:
    """The CSV's rows as Excel saves them: every distinct text once in the shared strings,
    rows with Excel's own attributes."""
    with open(source, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    index = {}
    for row in rows:
        for cell in row:
            index.setdefault(cell, len(index))

    def sheet_rows():
        for number, row in enumerate(rows, start=1):
            cells = "".join(f'<c r="{column}{number}" t="s"><v>{index[cell]}</v></c>'
                            for column, cell in zip("ABCDEF", row) if cell)
            yield (f'<row r="{number}" spans="1:6" x14ac:dyDescent="0.25" xmlns:x14ac='
                   f'"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">{cells}</row>')

    _workbook(path, sheet_rows(), list(index))


def openpyxl_style(path: Path, source: Path, rows: int) -> None:
    """The first `rows` rows of the CSV as openpyxl writes them (inline strings)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    with open(source, newline="", encoding="utf-8-sig") as fh:
        for number, row in enumerate(csv.reader(fh)):
            if number > rows:
                break
            sheet.append(row)
    book.save(path)


def crafted(path: Path) -> None:
    """As much as the upload checks let through: shared strings up to their budget, each
    with an emoji (so Python stores every character of it in four bytes), under the
    unpacked limit and the compression ratio."""
    from clientapp.imports.workbook_guard import HELD_BUDGET, HELD_PER_STRING

    text = "abcdefghij" * 7 + "\U0001F600"
    each = HELD_PER_STRING + 4 * (len(text) + 8)
    count = (HELD_BUDGET - 2 * 1024 * 1024) // each  # room for the workbook's other parts
    strings = (f"{n:07d} {text}" for n in range(count))
    _workbook(path, iter(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>']), strings)


# --- The child: one upload, its memory -------------------------------------------------------------
def check_in_child(path: Path, database_url: str | None) -> dict:
    command = [sys.executable, __file__, "--child", str(path)]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(path: Path, database_url: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-check-"))
    os.environ["CLIENTAPP_INSTANCE_PATH"] = str(workdir)
    import logging

    logging.disable(logging.WARNING)
    from clientapp import create_app
    from clientapp.auth.services import create_user
    from clientapp.extensions import db
    from clientapp.schema import upgrade_schema

    url = database_url or "sqlite:///" + str(workdir / "app.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    upgrade_schema(app)
    with app.app_context():
        user_id = create_user("Bench", f"bench-{os.getpid()}@example.com",
                              "correct horse battery", "manager").id
        db.session.commit()
    client = signed_in(app, user_id)
    data = path.read_bytes()
    before = peak_mb()
    start = time.perf_counter()
    response = client.post("/clients/import", data={"file": (io.BytesIO(data), path.name),
                                                     "mode": "create"})
    seconds = time.perf_counter() - start
    print(json.dumps({"status": response.status_code, "before": before, "peak": peak_mb(),
                      "seconds": seconds}))
    with app.app_context():
        db.engine.dispose()


def print_figures(rows: int, database_url: str | None = None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    source = workdir / "clients.csv"
    csv_near_limit(source)
    files = [("CSV, the largest upload", source)]
    excel = workdir / "excel-200000.xlsx"
    excel_style(excel, _rows_csv(workdir, 200_000))
    files.append(("workbook of 200,000 rows as Excel writes it", excel))
    written = workdir / f"openpyxl-{rows}.xlsx"
    openpyxl_style(written, source, rows)
    files.append((f"workbook of {rows:,} rows as openpyxl writes it", written))
    worst = workdir / "crafted.xlsx"
    crafted(worst)
    files.append(("workbook crafted up to the upload checks' budget", worst))
    print("peak memory while checking one upload (a fresh process each; target < 400 MB):")
    for label, path in files:
        figures = check_in_child(path, database_url)
        size = path.stat().st_size / 1e6
        if "error" in figures:
            print(f"  {label} ({size:.1f} MB): failed: {figures['error']}")
            continue
        outcome = "accepted" if figures["status"] == 303 else f"refused ({figures['status']})"
        print(f"  {label} ({size:.1f} MB): peak {figures['peak']:.0f} MB "
              f"(before the upload {figures['before']:.0f} MB), {outcome}, "
              f"{figures['seconds']:.1f} s")
    shutil.rmtree(workdir, ignore_errors=True)


def _rows_csv(workdir: Path, rows: int) -> Path:
    from bench_import import make_file

    path = workdir / f"clients-{rows}.csv"
    make_file(path, rows)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url)
    else:
        print_figures(args.rows, args.database_url)


if __name__ == "__main__":
    main()
