"""`flask --app wsgi service-plan --period 2026Q3 --lang zh --format pdf --out FILE`: the plan
as a file, for scheduled runs. The plan's approved version when there is one, else its latest
draft; for a period without a plan, one generated from today's figures and not kept."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from crm.database import utcnow
from crm.plans.compose import compose, parse_period
from crm.plans.models import PlanVersion, ServicePlan
from crm.plans.output import FORMATS, LOCALES, render_output
from crm.plans.services import find_plan


def _transient(label: str) -> tuple[ServicePlan, PlanVersion]:
    now = utcnow()
    version = PlanVersion(
        number=0, status="draft", narratives={}, budget=[], figures=compose(label), generated_at=now
    )
    return ServicePlan(period=label, versions=[version]), version


@click.command("service-plan")
@with_appcontext
@click.option("--period", required=True, help="A year (2026) or a quarter (2026Q3).")
@click.option("--lang", type=click.Choice(sorted(LOCALES)), default="zh", show_default=True)
@click.option(
    "--format", "kind", type=click.Choice(sorted(FORMATS)), default="pdf", show_default=True
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def service_plan_command(period: str, lang: str, kind: str, out: Path) -> None:
    """Write the service plan of PERIOD as a PDF or DOCX file."""
    label = period.strip().upper()
    try:
        parse_period(label)
    except ValueError:
        raise click.BadParameter(
            "write the period as 2026 or 2026Q3", param_hint="--period"
        ) from None
    plan = find_plan(label)
    if plan is None:
        plan, version = _transient(label)
        note = "no plan kept for this period: generated from today's figures"
    else:
        version = plan.approved or plan.latest
        note = f"version {version.number} ({version.status})"
    out.write_bytes(render_output(plan, version, kind, lang).getvalue())
    click.echo(f"{out}: service plan {label}, {note}, {lang}, {kind}.")
