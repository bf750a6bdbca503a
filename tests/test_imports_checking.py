"""Checking rows before anything is written: the form's rules, codes twice or taken,
look-alike names, updates by code, fixes, skips; and the derived keys of bulk rows."""
import re
import unicodedata

import pytest
from sqlalchemy import func, select

from clientapp.clients.models import Client, client_keys
from clientapp.clients.validation import field_errors
from clientapp.extensions import db
from clientapp.imports import checking
from clientapp.imports.models import ImportIssue, ImportJob, ImportRow
from clientapp.imports.reading import FileProblem, match_headers, read_table
from clientapp.text import LEGAL_SUFFIXES

from .factories import add_client, load_client
from .test_imports_samples import errors_csv, french_headers_csv, xlsx


def check(app, data: bytes, filename: str = "clients.csv", mode: str = "create") -> int:
    with app.app_context():
        job = ImportJob(filename=filename, mode=mode, state="checking")
        db.session.add(job)
        db.session.flush()
        table = read_table(data, filename)
        for _slice in checking.check_table(job, table, match_headers(table.headers)):
            db.session.commit()
        db.session.commit()
        return job.id


def issues(app, job_id: int, kind: str | None = None) -> list:
    with app.app_context():
        query = select(ImportIssue).where(ImportIssue.job_id == job_id)
        if kind:
            query = query.where(ImportIssue.kind == kind)
        return [(i.line, i.kind, i.field, i.code)
                for i in db.session.scalars(query.order_by(ImportIssue.line, ImportIssue.id))]


def statuses(app, job_id: int) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(ImportRow.line, ImportRow.status)
                                       .where(ImportRow.job_id == job_id)).all())


def job_counts(app, job_id: int) -> dict:
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        return {"new": job.new_count, "update": job.update_count, "same": job.same_count,
                "error": job.error_count, "warning": job.warning_count, "skip": job.skip_count,
                "total": job.total_rows}


# --- Derived keys ---------------------------------------------------------------------------
KEY_SAMPLES = [
    ("Acme, Inc.", "AB-1", "1 Main St", "a@acme.example"),
    ("Société Générale SA", "sg", "12 rue de l'Église\nParis", None),
    ("ÉCOLE & Fils SARL", None, None, "École@Example.com"),
    ("Straße ﬁne Œuvre GmbH", "  Code With Spaces  ", "Zürich", None),
    ("İstanbul Ltd.", "Ǆ-1", "ǅ", "x@y.z"),
    ("한국 회사", "코드", "서울", None),
    ("Inc", None, None, None),
    ("N" * 250, "C" * 60, None, None),
    ("e\u0301cole combining", None, "a\u0308", None),
    ("joiner x\u034fy", None, "e\u034f\u0301", None),
    ("Only marks after", "\u0301", "\u0308\u0301", None),  # non-empty cells that fold to ""
]


LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ø": "o",
             "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ħ": "h", "Ħ": "H", "ı": "i",
             "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"}


def reference_fold(text):
    """fold() by its definition: NFKD without combining marks, ligatures spelt out,
    case-folded, one character at a time. The real one takes shortcuts for speed; they
    must not change the result."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(LIGATURES.get(ch, ch) for ch in decomposed
                   if not unicodedata.combining(ch)).casefold()


def reference_search_key(text):
    """search_key() by its definition: the folded text's words of letters and digits."""
    return " ".join(re.sub(r"[\W_]+", " ", reference_fold(text)).split())


def reference_search_lines(text):
    """A field's lines of search_text by their definition: its words, then its words that
    hold an apostrophe written without it ("L'Église" also as "leglise")."""
    joined = [re.sub("['\u2018\u2019\u02bc\uff07]", "", word) for word in
              re.findall("\\w+(?:['\u2018\u2019\u02bc\uff07]\\w+)+", text or "")]
    return [reference_search_key(text or ""), reference_search_key(" ".join(joined))]


def reference_match_key(name):
    words = re.findall(r"[0-9a-z]+", reference_fold(name).replace("&", " and "))
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


@pytest.mark.parametrize("name,code,address,email", KEY_SAMPLES)
def test_bulk_keys_equal_the_models_own(app, name, code, address, email):
    client = Client(name=name, code=code, address=address, email=email)
    client.refresh_keys()
    expected = (
        reference_fold(name)[:200],
        code.strip().casefold()[:50] if code and code.strip() else None,
        reference_match_key(name)[:200],
        "\n".join(line for p in (name, code, address, email)
                  for line in reference_search_lines(p) if line),
    )
    assert client_keys(name, code, address, email) == expected
    assert (client.name_key, client.code_key, client.match_key, client.search_text) == expected


def test_cells_become_clean_values():
    mapping = {"name": 0, "code": 1, "phone": 2, "type": 3, "email": 5}
    values = checking.cells_to_values(["  Acme  ", "", "'+33 1 23", " Entreprise "], mapping)
    assert values == {"name": "Acme", "code": None, "phone": "+33 1 23", "type": "company",
                      "email": None}
    assert checking.cells_to_values(["A", "", "", "PARTICULIER"], mapping)["type"] == "individual"
    assert checking.cells_to_values(["A", "", "", "robot"], mapping)["type"] == "robot"
    # A quote that does not neutralise a formula stays.
    assert checking.cells_to_values(["'quoted'"], {"name": 0}) == {"name": "'quoted'"}


# --- The check -----------------------------------------------------------------------------
def test_every_kind_of_row_error(app):
    add_client(app, name="Taken Ltd", code="TAKEN")
    job_id = check(app, errors_csv())
    assert issues(app, job_id, "error") == [
        (3, "error", "name", "field"),
        (4, "error", "email", "field"),
        (5, "error", "phone", "field"),
        (6, "error", "code", "field"),
        (8, "error", "code", "code_twice"),
        (9, "error", "code", "code_used"),
        (10, "error", "name", "field"),
        (11, "error", "type", "field"),
        (12, "error", "address", "field"),
    ]
    assert statuses(app, job_id)[2] == "new" and statuses(app, job_id)[7] == "new"
    assert job_counts(app, job_id) == {"new": 2, "update": 0, "same": 0, "error": 9,
                                       "warning": 0, "skip": 0, "total": 11}


def test_error_messages_are_the_forms_own(app):
    add_client(app, name="Taken Ltd", code="TAKEN")
    job_id = check(app, errors_csv())
    with app.test_request_context():
        found = {}
        for issue in db.session.scalars(select(ImportIssue).where(ImportIssue.job_id == job_id)):
            row = db.session.get(ImportRow, (job_id, issue.line))
            values = {name: getattr(row, name) for name in checking.FIELDS}
            found[issue.line] = checking.issue_message(issue, values)
        assert found[3] == str(field_errors({})["name"]) == "Enter the client's name."
        assert found[4] == "Enter a valid email address, like name@example.com."
        assert found[5] == "Use digits, spaces and + ( ) - . only."
        assert found[6] == "Use at most 50 characters."
        assert found[8] == "This code is also on line 7."
        assert found[9] == "The code TAKEN is already used by Taken Ltd."
        assert found[11] == "Choose company or individual."


def test_a_header_without_rows_is_refused(app):
    with pytest.raises(FileProblem) as caught:
        check(app, b"Name,Code\r\n\r\n")
    with app.test_request_context():
        assert "header line but no rows" in str(caught.value.message)


def test_french_headers_and_type_words(app):
    job_id = check(app, french_headers_csv())
    with app.app_context():
        rows = db.session.scalars(select(ImportRow).where(ImportRow.job_id == job_id)
                                  .order_by(ImportRow.line)).all()
        assert [(r.name, r.type, r.email) for r in rows] == [
            ("Dupont et Fils", "company", "contact@dupont.example"),
            ("Jeanne Martin", "individual", "jeanne@martin.example")]
        assert rows[0].match_key == "dupont et fils"


def test_names_like_existing_clients_are_duplicates_without_a_code_else_warnings(app):
    existing = add_client(app, name="Acme, Inc.")
    job_id = check(app, b"Name,Code\nACME,\nacme sarl,AC-2\nGlobex Ltd,\nglobex,\nUnique Co,\n")
    # No code and the name of a client we have: most likely the same client again.
    # With a code of its own it is another client: only a warning. Two rows alike: a warning.
    assert issues(app, job_id) == [(2, "duplicate", "name", "duplicate"),
                                   (3, "warning", "name", "similar"),
                                   (5, "warning", "name", "similar_line")]
    assert statuses(app, job_id) == {2: "duplicate", 3: "new", 4: "new", 5: "new", 6: "new"}
    counts = job_counts(app, job_id)
    assert counts["warning"] == 2 and counts["error"] == 0 and counts["new"] == 4
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.duplicate_count == 1
        issue = db.session.scalars(select(ImportIssue).where(ImportIssue.line == 2)).one()
        assert issue.detail == {"name": "Acme, Inc.", "id": existing}


def test_update_mode_keeps_values_where_cells_are_empty_unless_told_otherwise(app):
    client_id = add_client(app, name="Acme", code="A1", email="a@acme.example", phone="01")
    data = b"Name,Code,Email,Phone\nAcme,A1,,02\n"
    kept = check(app, data, mode="update")
    assert statuses(app, kept) == {2: "update"}
    assert [(line, field) for line, kind, field, code in issues(app, kept, "change")] == \
        [(2, "phone")]
    with app.app_context():
        job = db.session.get(ImportJob, kept)
        job.keep_empty = False
        checking.recheck(job)
        db.session.commit()
    assert sorted(field for _line, _kind, field, _code in issues(app, kept, "change")) == \
        ["email", "phone"]
    assert load_client(app, client_id).email == "a@acme.example"  # the check writes nothing


def test_update_mode_matches_by_code_and_lists_the_changes(app):
    changed = add_client(app, name="Old Name", code="A1", email="old@example.com",
                         address="Kept street", type="company")
    same = add_client(app, name="Same Co", code="B2", email="same@example.com")
    data = (b"Name,Code,Email,Type\n"
            b"New Name,a1,new@example.com,\n"      # matched ignoring case; Type empty: kept
            b"Same Co,B2,same@example.com,\n"
            b"Brand New,C3,,Individual\n")
    job_id = check(app, data, mode="update")
    assert statuses(app, job_id) == {2: "update", 3: "same", 4: "new"}
    changes = issues(app, job_id, "change")
    assert changes == [(2, "change", "name", "change"), (2, "change", "email", "change")]
    with app.app_context():
        rows = {r.line: r for r in db.session.scalars(select(ImportRow))}
        assert rows[2].client_id == changed and rows[3].client_id == same
        assert rows[4].client_id is None


def test_create_mode_refuses_codes_in_use_and_mode_change_rechecks(app):
    add_client(app, name="Old Name", code="A1")
    job_id = check(app, b"Name,Code\nNew Name,A1\n", mode="create")
    assert statuses(app, job_id) == {2: "error"}
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        job.mode = "update"
        checking.recheck(job)
        db.session.commit()
    assert statuses(app, job_id) == {2: "update"}
    assert job_counts(app, job_id)["error"] == 0


def test_fixing_a_cell_checks_again_at_once(app):
    add_client(app, name="Taken Ltd", code="TAKEN")
    job_id = check(app, errors_csv())
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert checking.fix_cell(job, 4, "email", "  fixed@example.com ")
        # The first DUP gets another code: the second one is no longer a duplicate.
        assert checking.fix_cell(job, 7, "code", "DUP-A")
        assert not checking.fix_cell(job, 999, "email", "x@y.z")
        assert not checking.fix_cell(job, 4, "notes", "x")
        db.session.commit()
        row = db.session.get(ImportRow, (job_id, 4))
        assert row.email == "fixed@example.com" and row.status == "new"
        assert row.search_text.endswith("fixed example com")
    lines = [line for line, *_ in issues(app, job_id, "error")]
    assert 4 not in lines and 8 not in lines
    assert statuses(app, job_id)[8] == "new"
    assert job_counts(app, job_id)["error"] == 7


def test_a_fix_can_make_a_new_duplicate(app):
    job_id = check(app, b"Name,Code\nA,X1\nB,X2\n")
    with app.app_context():
        checking.fix_cell(db.session.get(ImportJob, job_id), 3, "code", "x1")
        db.session.commit()
    assert issues(app, job_id) == [(3, "error", "code", "code_twice")]


def test_skipping_and_restoring_rows(app):
    job_id = check(app, b"Name,Email\nGood,\nBad,nope\n")
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert checking.skip_row(job, 3)
        db.session.commit()
    assert statuses(app, job_id) == {2: "new", 3: "skip"}
    assert job_counts(app, job_id)["error"] == 0 and job_counts(app, job_id)["skip"] == 1
    assert issues(app, job_id) == []
    with app.app_context():
        checking.restore_skipped(db.session.get(ImportJob, job_id))
        db.session.commit()
    assert statuses(app, job_id) == {2: "new", 3: "error"}


def test_markup_is_kept_as_plain_text(app):
    job_id = check(app, b"Name\n<script>alert(1)</script>\n")
    with app.app_context():
        assert db.session.get(ImportRow, (job_id, 2)).name == "<script>alert(1)</script>"


def test_a_long_excel_cell_fails_the_address_rule(app):
    job_id = check(app, xlsx([["Name", "Address"], ["Acme", "x" * 40_000]]), "a.xlsx")
    assert issues(app, job_id) == [(2, "error", "address", "field")]


def test_checking_writes_no_client(app):
    check(app, errors_csv())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) == 0
