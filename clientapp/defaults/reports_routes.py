"""The Field reports page (admins): field report templates, each a name and an ordered list
of questions (a type, "required", options for a choice), created, edited and deleted.
Clients choose among them in their Project defaults; projects inherit the choice."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..htmx import redirect_htmx, render
from ..listing import Listing, Sort
from ..notices import Notice, keep
from ..security import role_required
from .models import NAME_MAX, FieldReportTemplate

bp = Blueprint("field_reports", __name__, url_prefix="/field-reports")

PAGE = "defaults/field_reports.html"
QUESTION_TYPES = {"short_text": _l("Short text"), "long_text": _l("Long text"),
                  "yes_no": _l("Yes/no"), "number": _l("Number"),
                  "choice": _l("Choice among options"), "photo": _l("Photo")}
QUESTION_MAX = 500
ROWS_MAX = 50

TEMPLATES = Listing(endpoint="field_reports.list_templates",
                    sorts=(Sort("name", (FieldReportTemplate.name,)),),
                    tiebreak=FieldReportTemplate.id, searchable=False)


@bp.get("")
@role_required("admin")
def list_templates():
    params = TEMPLATES.params(request.args)
    page = TEMPLATES.paginate(select(FieldReportTemplate), params)
    return render(PAGE, "template_list", page=page, params=params.with_(page=page.page))


def _rows(template=None, extra=3) -> list[dict]:
    rows = [dict(q, options="\n".join(q.get("options") or []))
            for q in (template.questions if template else [])]
    try:
        extra = max(0, min(int(request.args.get("more", extra)), ROWS_MAX))
    except ValueError:
        extra = 3
    return rows + [{"text": "", "type": "short_text", "required": False, "options": ""}
                   for _ in range(min(extra, ROWS_MAX - len(rows)))]


def _read_form():
    """(name, questions, rows as posted, errors) from the posted form."""
    name = (request.form.get("name") or "").replace("\x00", "").strip()
    errors, rows, questions = {}, [], []
    if not name:
        errors["name"] = _("Give the template a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %(num)s characters.", num=NAME_MAX)
    count = min(len(request.form.getlist("text")), ROWS_MAX)
    texts = request.form.getlist("text")[:count]
    types = request.form.getlist("type")
    options = request.form.getlist("options")
    required = set(request.form.getlist("required"))
    for index in range(count):
        text = texts[index].replace("\x00", "").strip()
        kind = types[index] if index < len(types) else "short_text"
        choices = [line.strip() for line in (options[index] if index < len(options) else "")
                   .replace("\x00", "").splitlines() if line.strip()]
        row = {"text": text, "type": kind, "required": str(index) in required,
               "options": "\n".join(choices)}
        rows.append(row)
        if not text:
            continue
        if kind not in QUESTION_TYPES:
            errors[f"q{index}"] = _("Choose a type among those offered.")
        elif len(text) > QUESTION_MAX:
            errors[f"q{index}"] = _("At most %(num)s characters.", num=QUESTION_MAX)
        elif kind == "choice" and len(choices) < 2:
            errors[f"q{index}"] = _("A choice needs at least two options, one a line.")
        questions.append({"text": text, "type": kind, "required": row["required"],
                          "options": choices if kind == "choice" else []})
    if not errors and not questions:
        errors["questions"] = _("Add at least one question.")
    return name, questions, rows, errors


def _more(template=None):
    """"More questions": the form again with what was typed and three empty rows, the first
    of them focused; nothing is saved."""
    name, _questions, rows, _errors = _read_form()
    blank = {"text": "", "type": "short_text", "required": False, "options": ""}
    focus_row = len(rows)
    rows += [dict(blank) for _ in range(min(3, ROWS_MAX - len(rows)))]
    return _form(template, rows=rows, name=name, focus_row=focus_row)


def _form(template=None, status=200, **context):
    context.setdefault("rows", _rows(template))
    context.setdefault("name", template.name if template else "")
    context.setdefault("errors", {})
    context.setdefault("conflict", False)
    context.setdefault("focus_row", None)
    return render("defaults/field_report_form.html", "template_form",
                  status=status, report_template=template, types=QUESTION_TYPES, **context)


def _get(template_id):
    return db.get_or_404(FieldReportTemplate, template_id)


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new_template():
    if request.method == "GET":
        return _form()
    if request.form.get("more"):
        return _more()
    name, questions, rows, errors = _read_form()
    if errors:
        return _form(None, 422, rows=rows, name=name, errors=errors)
    db.session.add(FieldReportTemplate(name=name, questions=questions))
    db.session.commit()
    keep(Notice(_("Template “%(name)s” created.", name=name)))
    return redirect_htmx(url_for("field_reports.list_templates"))


@bp.route("/<id:template_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_template(template_id: int):
    template = _get(template_id)
    if request.method == "GET":
        return _form(template)
    if request.form.get("more"):
        return _more(template)
    name, questions, rows, errors = _read_form()
    if (request.form.get("version") or "") != str(template.version):
        return _form(template, 409, rows=rows, name=name, errors=errors, conflict=True)
    if errors:
        return _form(template, 422, rows=rows, name=name, errors=errors)
    try:
        template.name, template.questions = name, questions
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _form(_get(template_id), 409, rows=rows, name=name, errors={}, conflict=True)
    keep(Notice(_("Template “%(name)s” saved.", name=name)))
    return redirect_htmx(url_for("field_reports.list_templates"))


def _uses(template_id: int) -> tuple[int, int]:
    """How many clients' defaults and projects' settings choose this template."""
    from .models import ClientDefaults, ProjectSettings

    def count(column):
        return sum(1 for chosen in db.session.scalars(select(column))
                   if template_id in (chosen or []))

    return count(ClientDefaults.field_reports), count(ProjectSettings.field_reports)


@bp.route("/<id:template_id>/delete", methods=["GET", "POST"])
@role_required("admin")
def delete_template(template_id: int):
    """GET: the question first, saying who uses the template; POST: the deletion."""
    template = _get(template_id)
    name = template.name
    if request.method == "GET":
        from ..htmx import wants_fragment
        from ..sections import REMOVE_TEMPLATE

        clients, projects = _uses(template.id)
        if clients or projects:
            text = _("Chosen by %(clients)s, and by %(projects)s: they lose this field "
                     "report.", clients=ngettext("%(num)s client", "%(num)s clients",
                                                 clients),
                     projects=ngettext("%(num)s project", "%(num)s projects", projects))
        else:
            text = _("No client or project chooses it.")
        return render(REMOVE_TEMPLATE, "remove_dialog", modal=wants_fragment(),
                      question={"title": _("Delete “%(name)s”?", name=name), "text": text,
                                "button": _("Delete")},
                      action=request.path, target="#template-list",
                      next_path=url_for("field_reports.list_templates"))
    db.session.delete(template)
    db.session.commit()
    keep(Notice(_("Template “%(name)s” deleted.", name=name)))
    return redirect_htmx(url_for("field_reports.list_templates"))
