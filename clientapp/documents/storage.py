"""Files on disk: checked from their content, written to a temporary file, moved into place
once their row is flushed, removed after the commit that drops their last document.

The session keeps what to do with the disk when its transaction ends: files placed by a
transaction that rolls back are removed (no orphan), files whose rows a committed
transaction deleted are removed then (never before: a rollback keeps them)."""
import os
import secrets
import tempfile
import zipfile

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from .models import Document, StoredFile

CHUNK = 64 * 1024

OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = ("application/vnd.oasis.opendocument.text",
       "application/vnd.oasis.opendocument.spreadsheet",
       "application/vnd.oasis.opendocument.presentation")
# What a text file must not look like: a browser would run it.
MARKUP = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<head",
          b"<iframe", b"<object")

TYPE_NAMES = {
    "application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP",
    "text/plain": _l("Text"), "text/csv": "CSV",
    OOXML[next(iter(OOXML))]: "Word", ODF[0]: _l("OpenDocument text"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    ODF[1]: _l("OpenDocument spreadsheet"), ODF[2]: _l("OpenDocument presentation"),
}
# The file name extensions of each kept type, the usual one first.
EXTENSIONS = {
    "application/pdf": ("pdf",), "image/png": ("png",), "image/jpeg": ("jpg", "jpeg"),
    "image/webp": ("webp",), "text/plain": ("txt", "text"), "text/csv": ("csv",),
    OOXML[next(iter(OOXML))]: ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    ODF[0]: ("odt",), ODF[1]: ("ods",), ODF[2]: ("odp",),
}


def download_name(name: str, content_type: str) -> str:
    """`name` ending in its stored type's extension (appended when a rename dropped or
    changed it), so the reader's system opens it with the right program."""
    known = EXTENSIONS.get(content_type)
    if not known:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in known:
        return name
    return f"{name}.{known[0]}"


class Refused(Exception):
    """An upload this app does not keep; str() says why, for the user."""


class TooLarge(Exception):
    pass


def upload_dir() -> str:
    path = current_app.config.get("CLIENTAPP_UPLOAD_DIR") or os.path.join(
        current_app.instance_path, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


def path_of(stored: StoredFile) -> str:
    return os.path.join(upload_dir(), stored.stored_name)


def sniff(path: str, filename: str) -> str | None:
    """The content type the file's bytes prove, or None when it is none we accept."""
    with open(path, "rb") as f:
        head = f.read(CHUNK)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _office(path)
    return _text(path, filename)


def _office(path: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return mimetype if mimetype in ODF else None
            if "[Content_Types].xml" in names \
                    and archive.getinfo("[Content_Types].xml").file_size < 1024 * 1024:
                types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
                for part, content_type in OOXML.items():
                    if part in types:
                        return content_type
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # what Windows Notepad's "Unicode" starts with


def _decoded(data: bytes) -> tuple[str, str] | None:
    """(text, its encoding) of a text file's bytes: UTF-16 with its byte order mark, UTF-8,
    or the most likely other encoding (Latin-1...); None when it is no text."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
        if not matches:
            return None
        # Several encodings often read a short text equally well: among those, Windows'
        # Western one, the legacy encoding of English and French text (this app's languages).
        least = min(match.chaos for match in matches)
        best = next((m for m in matches if m.chaos == least and m.encoding == "cp1252"),
                    matches[0])
        return str(best), best.encoding


def text_charset(path: str) -> str:
    """The charset a stored text file is served with, so that a browser opening it reads
    its own encoding."""
    with open(path, "rb") as f:
        found = _decoded(f.read())
    return found[1] if found else "utf-8"


def _text(path: str, filename: str) -> str | None:
    with open(path, "rb") as f:
        data = f.read()
    if not data or data.startswith((b"MZ", b"\x7fELF", b"#!")):
        return None
    found = _decoded(data)
    if found is None:
        return None
    text = found[0]
    lowered = text.lstrip("\ufeff \t\r\n").lower().encode("utf-8", "replace")
    if lowered.startswith(b"<") or any(mark in lowered[:4096] for mark in MARKUP):
        return None
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text[:CHUNK]):
        return None
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def _pending(key: str) -> list:
    return db.session.info.setdefault(key, [])


def store(upload) -> StoredFile:
    """Keep `upload` (a werkzeug FileStorage): copied to a temporary file within the limit
    (TooLarge past it), checked (Refused), its row flushed, then moved into place. A
    rollback of the transaction removes the placed file."""
    limit = current_app.config["CLIENTAPP_UPLOAD_MAX_BYTES"]
    folder = upload_dir()
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        size = 0
        with os.fdopen(handle, "wb") as out:
            while True:
                chunk = upload.stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise TooLarge()
                out.write(chunk)
        content_type = sniff(temp, upload.filename or "")
        if content_type is None:
            raise Refused(_l("“%(name)s” is not a file type this app keeps (PDF, PNG, JPEG, "
                             "WebP, Word, Excel, PowerPoint, OpenDocument, text or CSV).",
                             name=upload.filename or "?"))
        stored = StoredFile(stored_name=secrets.token_hex(16), content_type=content_type,
                            size=size)
        db.session.add(stored)
        db.session.flush()
        final = path_of(stored)
        _pending("clientapp_placed").append(final)
        os.replace(temp, final)
        return stored
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def discard_unreferenced(file_ids) -> None:
    """Delete the rows of these files that no document refers to any more; their files go
    when the transaction commits."""
    ids = set(file_ids)
    if not ids:
        return
    db.session.flush()
    used = set(db.session.scalars(select(Document.file_id).where(Document.file_id.in_(ids))))
    for stored in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids - used))):
        _pending("clientapp_doomed").append(path_of(stored))
        db.session.delete(stored)
    db.session.flush()


def _remove(paths) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    session.info.pop("clientapp_placed", None)
    _remove(session.info.pop("clientapp_doomed", []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        _remove(session.info.pop("clientapp_placed", []))
        session.info.pop("clientapp_doomed", None)
