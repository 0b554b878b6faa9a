"""A plan version as a file: PDF (WeasyPrint over the page's own template, CJK fonts from the
system's fonts-noto-cjk) or DOCX (python-docx), in zh or en, for the page and the CLI."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from flask import current_app, has_request_context, render_template

from crm.i18n import force_locale
from crm.i18n import gettext as _
from crm.plans.document import document_context
from crm.plans.models import PlanVersion, ServicePlan

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
CJK_FONT = "Noto Sans CJK SC"


def render_output(plan: ServicePlan, version: PlanVersion, kind: str, lang: str) -> BytesIO:
    """The file's bytes; needs an app context (the CLI gets a request context of its own for
    the templates' helpers)."""
    if not has_request_context():
        with current_app.test_request_context("/"):
            return render_output(plan, version, kind, lang)
    with force_locale(LOCALES[lang]):
        context = document_context(plan, version)
        if kind == "pdf":
            return _pdf(context, lang)
        return _docx(context)


def _pdf(context: dict[str, Any], lang: str) -> BytesIO:
    # Imported here: WeasyPrint loads Pango at import, which only the exports need.
    from weasyprint import HTML

    html = render_template("plans/print.html", lang=lang, **context)
    return BytesIO(HTML(string=html).write_pdf())


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def _docx(c: dict[str, Any]) -> BytesIO:
    """The same sections and figures as the page, as Word paragraphs and tables. python-docx
    writes text nodes, so markup in a narrative stays text."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = CJK_FONT
    style.element.rPr.rFonts.set(qn("w:eastAsia"), CJK_FONT)
    f, version, titles, kpi = c["figures"], c["version"], c["titles"], c["kpi_labels"]
    value, label = c["kpi_value"], c["label"]
    doc.add_heading(_("Service plan %(period)s", period=c["plan"].period), 0)
    status = _("draft") if version.status == "draft" else _("approved")
    doc.add_paragraph(f"{_('Version %(num)d', num=version.number)} · {status}")

    def section(key: str) -> None:
        doc.add_heading(str(titles[key]), 1)
        if version.narratives.get(key):
            doc.add_paragraph(version.narratives[key])

    section("current_state")
    _table(
        doc,
        [_("KPI"), _("Actual"), _("Rows")],
        [[kpi[k], value(k, fig["value"]), fig["basis"]] for k, fig in f["current_state"].items()],
    )
    section("targets")
    _table(
        doc,
        [_("KPI"), _("Baseline (last period)"), _("Target")],
        [
            [
                kpi[k],
                value(k, t["actual"]),
                ("≥ " if t["direction"] == "higher" else "≤ ") + value(k, t["target"]),
            ]
            for k, t in f["targets"].items()
        ],
    )
    section("service")
    _table(
        doc,
        [_("Category"), _("Priority"), _("First response limit"), _("Resolution limit")],
        [
            [
                label(c["category_labels"], p["category"]),
                label(c["priority_labels"], p["priority"]) if p["priority"] else _("Any"),
                c["minutes"](p["first_response_minutes"]),
                c["minutes"](p["resolution_minutes"]),
            ]
            for p in f["service"]["sla"]
        ],
    )
    section("standards")
    for card in f["standards"]:
        doc.add_heading(f"{card['name']} · {_('pass mark %(mark)s', mark=card['pass_mark'])}", 2)
        _table(
            doc,
            [_("Section"), _("Criterion"), _("Weight")],
            [[cr["section"], cr["name"], cr["weight"]] for cr in card["criteria"]],
        )
    section("quality")
    q = f["quality"]
    for line in (
        _(
            "QA sampling: %(quota)s interactions per agent %(period)s (%(new)s for new "
            "agents); %(reviews)s reviews last period.",
            quota=q["quota"],
            period=label(c["sample_periods"], q["sample_period"]),
            new=q["new_agent_quota"],
            reviews=q["reviews"],
        ),
        _("Satisfaction surveys after service: %(sent)s sent last period.", sent=q["surveys_sent"]),
        _(
            "Key-account callback programme: %(plans)s active callback plans.",
            plans=q["key_account_plans"],
        ),
    ):
        doc.add_paragraph(line, style="List Bullet")
    section("training")
    _table(
        doc,
        [_("Month"), _("Session"), _("Kind"), _("Topics"), _("Trainer")],
        [
            [
                s["month"],
                s["title"],
                label(c["kind_labels"], s["kind"]),
                "、".join(s["topics"]),
                s["trainer"],
            ]
            for s in f["training"]
        ],
    )
    section("contingency")
    for incident in f["contingency"]:
        doc.add_paragraph(f"{incident['started'][:10]} · {incident['reason']}", style="List Bullet")
    section("staffing")
    doc.add_paragraph(f"{_('Active agents')}: {f['staffing']['active_agents']}")
    _table(
        doc,
        [_("Department"), _("Agents"), _("Cases last period"), _("Cases per agent")],
        [
            [
                label(c["department_labels"], d["department"]),
                d["agents"],
                d["cases"],
                d["per_agent"],
            ]
            for d in f["staffing"]["departments"]
        ],
    )
    section("budget")
    _table(
        doc,
        [_("Item"), _("Amount (CNY)"), _("Note")],
        [[b["item"], b["amount"], b["note"]] for b in version.budget]
        + [[_("Total"), c["budget_total"], ""]],
    )
    section("actions")
    _table(
        doc,
        [_("Improvement action"), _("KPI"), _("Owner"), _("Due date"), _("Status")],
        [
            [
                a["title"],
                kpi[a["kpi"]] if a["kpi"] else "—",
                a["owner"],
                a["due"],
                label(c["status_labels"], a["status"]),
            ]
            for a in f["actions"]
        ],
    )
    out = BytesIO()
    doc.save(out)
    out.seek(0)
    return out
