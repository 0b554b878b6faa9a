"""The quarterly service-quality report: on screen (printable), and as an XLSX workbook."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.database import utcnow
from crm.exports import xlsx_workbook_response
from crm.i18n import gettext as _
from crm.qa.models import QuarterlyReport
from crm.qa.quarters import Quarter
from crm.qa.report import kept_report, quarterly_report
from crm.qa.views.blueprint import bp


def _report() -> tuple[Quarter, dict, QuarterlyReport | None]:
    """The quarter asked for, its figures (as kept by the scheduler when it prepared them) and
    the kept report, if any."""
    quarter = Quarter.parse(request.args.get("quarter"), utcnow())
    kept = kept_report(quarter)
    live = request.args.get("live") == "1"
    data = kept.data if kept is not None and not live else quarterly_report(quarter)
    return quarter, data, kept


@bp.get("/report")
@permission_required(Permission.QA_VIEW)
def report() -> str:
    quarter, data, kept = _report()
    current = Quarter.parse(None, utcnow())
    choices = [current]
    for _step in range(7):
        choices.append(choices[-1].previous())
    return render_template(
        "qa/report.html",
        quarter=quarter,
        data=data,
        kept=kept,
        live=request.args.get("live") == "1",
        choices=choices,
    )


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


@bp.get("/report.xlsx")
@permission_required(Permission.QA_VIEW)
def report_xlsx() -> BaseResponse:
    quarter, data, _kept = _report()
    sheets = [
        (
            _("Agents"),
            [
                _("Agent"),
                _("Reviews"),
                _("Average score"),
                _("Pass share %"),
                _("Critical failures"),
                _("Surveys answered"),
                _("Satisfaction %"),
            ],
            [
                [
                    a["agent"],
                    a["reviews"],
                    a["average"],
                    _pct(a["pass_share"]),
                    a["critical_failures"],
                    a["surveys"],
                    _pct(a["satisfaction"]),
                ]
                for a in data["agents"]
            ],
        ),
        (
            _("Criteria"),
            [
                _("Section"),
                _("Criterion"),
                _("Rated"),
                _("Average credit %"),
                _("Failures"),
                _("Fail share %"),
            ],
            [
                [
                    c["section"],
                    c["name"],
                    c["rated"],
                    c["average"],
                    c["failures"],
                    _pct(c["fail_share"]),
                ]
                for c in data["criteria"]
            ],
        ),
        (
            _("Critical failures"),
            [_("Date"), _("Agent"), _("Criterion"), _("Comment"), _("Review")],
            [
                [c["date"], c["agent"], c["criterion"], c["comment"], c["review"]]
                for c in data["critical"]
            ],
        ),
        (
            _("Comments"),
            [_("Criterion"), _("Date"), _("Agent"), _("Comment")],
            [
                [row["name"], c["date"], c["agent"], c["comment"]]
                for row in data["top_failing"]
                for c in row["comments"]
            ],
        ),
        (
            _("Trend"),
            [_("Quarter"), _("Reviews"), _("Average score"), _("Pass share %")],
            [
                [t["quarter"], t["reviews"], t["average"], _pct(t["pass_share"])]
                for t in data["trend"]
            ],
        ),
        (
            _("Training"),
            [
                _("Agent"),
                _("Criterion"),
                _("Topic"),
                _("Assigned on"),
                _("Before %"),
                _("After %"),
                _("Reviews after"),
            ],
            [
                [
                    t["agent"],
                    t["criterion"],
                    t["topic"],
                    t["assigned_on"],
                    t["before"],
                    t["after"],
                    t["after_reviews"],
                ]
                for t in data["training"]
            ],
        ),
    ]
    return xlsx_workbook_response(f"quality-report-{quarter.label}.xlsx", sheets)
