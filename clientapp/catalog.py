"""The French catalog.

    python -m clientapp.catalog update          extract every message from the code and
                                                templates, merge into fr/messages.po, compile
    python -m clientapp.catalog missing > f.json  the messages that lack French, as JSON
    python -m clientapp.catalog translate f.json  set French from {msgid: msgstr}, compile
    python -m clientapp.catalog check           list what lacks a translation
    python -m clientapp.catalog merge other.po  take the translations other.po has and ours
                                                lacks (after merging two branches), update

The tests call check(): a message without its French translation, or a compiled catalog
older than its .po, fails the suite.
"""
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
POT = ROOT / "translations" / "messages.pot"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
METHODS = [("clientapp/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do"}}


def extract() -> Catalog:
    catalog = Catalog(project="clientapp", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHODS, OPTIONS, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale="fr")


from contextlib import contextmanager


@contextmanager
def _locked():
    """Several people (or helpers) may update the catalog at once: one at a time."""
    import fcntl

    with open(ROOT / "translations" / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def translate(pairs: dict) -> None:
    """Set French translations from {English msgid: French msgstr} and recompile."""
    with _locked():
        catalog = _read(PO)
        for key, msgstr in pairs.items():
            # "context\u0004msgid" for a message with a context (pgettext), as in .mo files
            context, _sep, msgid = key.rpartition("\u0004")
            context = context or None
            message = catalog.get(msgid, context=context)
            if message is None:
                catalog.add(msgid, _plain(msgstr), context=context)
            else:
                message.string = _plain(msgstr)  # a list of forms for ngettext
                message.flags.discard("fuzzy")
        with open(PO, "wb") as fh:
            write_po(fh, catalog, width=100, ignore_obsolete=True)
        compile_mo()


def merge(other_path: str) -> None:
    """Take from another messages.po (a branch's, at a merge) every translation ours lacks,
    then update: the branches' strings end up translated once, obsolete ones dropped."""
    with _locked():
        ours = _read(PO)
        theirs = _read(Path(other_path))
        for message in theirs:
            if not message.id or not _complete(message):
                continue
            found = ours.get(message.id, context=message.context)
            if found is None:
                ours.add(message.id, _plain(message.string), context=message.context)
            elif not _complete(found):
                found.string = _plain(message.string)
                found.flags.discard("fuzzy")
        with open(PO, "wb") as fh:
            write_po(fh, ours, width=100, ignore_obsolete=True)
        _update()


def update() -> None:
    with _locked():
        _update()


def _update() -> None:
    template = extract()
    with open(POT, "wb") as fh:
        write_po(fh, template, width=100, omit_header=False)
    catalog = _read(PO) if PO.exists() else Catalog(locale="fr", project="clientapp")
    # no_fuzzy_matching: a guessed translation is worse than a visible gap.
    catalog.update(template, no_fuzzy_matching=True)
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=100, ignore_obsolete=True)
    compile_mo()


def compile_mo() -> None:
    catalog = _read(PO)
    with open(MO, "wb") as fh:
        write_mo(fh, catalog)


def _complete(message) -> bool:
    if not message.id:
        return True
    if message.fuzzy:
        return False
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def _plain(value):
    """Plural messages come back as lists from .mo files and tuples from .po files."""
    return tuple(value) if isinstance(value, list) else value


def check() -> list[str]:
    """Problems with the French catalog; [] when it is complete and compiled."""
    problems = []
    catalog = _read(PO)
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not _complete(found):
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
            problems.append(f"no French for {message.id!r} ({where})")
    with open(MO, "rb") as fh:
        # read_mo hands contexts back as bytes: normalise before comparing.
        compiled = {(m.context.decode() if isinstance(m.context, bytes) else m.context,
                     _plain(m.id)): _plain(m.string) for m in read_mo(fh)}
    for message in catalog:
        if message.id and _complete(message):
            if compiled.get((message.context, _plain(message.id))) != _plain(message.string):
                problems.append(f"messages.mo is out of date for {message.id!r}: run "
                                "python -m clientapp.catalog update")
                break
    return problems


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        command = "check"
    if command == "translate":
        import json

        with open(argv[1], encoding="utf-8") as fh:
            translate(json.load(fh))
        command = "check"
    if command == "missing":
        # Just the msgids that lack French, as a JSON object to fill in and pass to translate.
        import json

        catalog = _read(PO)
        # A plural message (ngettext) is listed by its singular, to fill with a list of
        # forms: ["%(num)s client", "%(num)s clients"].
        todo = {(m.context + "\u0004" if m.context else "")
                + (m.id[0] if isinstance(m.id, tuple) else m.id):
                ["", ""] if isinstance(m.id, tuple) else ""
                for m in extract() if m.id
                and not _complete(catalog.get(m.id, context=m.context) or m)}
        print(json.dumps(todo, ensure_ascii=False, indent=1))
        return 0
    if command == "merge":
        merge(argv[1])
        command = "check"
    if command == "compile":
        compile_mo()
        return 0
    problems = check()
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
