"""The agent scorecard: each agent's results beside the targets, and a composite of the
parts whose weights an administrator sets. A part with no data is shown as missing and left out
of the composite (the other weights count for it), never counted as zero."""

from __future__ import annotations

from dataclasses import dataclass, replace

from crm.auth.queries import active_agents
from crm.reports.queries import FIGURES
from crm.reports.scope import Figure, Period, scope_for
from crm.reports.targets import all_targets, attainment, display_value

#: the parts of the scorecard, in column order
PARTS = (
    "satisfaction",
    "first_response_minutes",
    "resolution_rate",
    "qa_average",
    "training_pass",
    "callback_completion",
)


@dataclass
class AgentRow:
    agent_id: int
    name: str
    figures: dict[str, Figure]
    #: 0-100, over the parts with data; None when no weighted part has data
    composite: float | None
    #: parts without data, by key
    missing: list[str]


def agent_scorecard(period: Period) -> list[AgentRow]:
    targets = all_targets()
    weights = {
        key: float(targets[key].scorecard_weight)
        for key in PARTS
        if key in targets and targets[key].scorecard_weight
    }
    scope = replace(scope_for(period, None), per_agent=True)
    by_part = {key: FIGURES[key](scope) for key in PARTS}
    rows = []
    for agent_id, name in active_agents():
        figures = {key: by_part[key].get(agent_id, Figure(key, None, 0)) for key in PARTS}
        missing = [key for key, figure in figures.items() if figure.value is None]
        weighted = [
            (weight, attainment(display_value(figures[key]), targets[key]))
            for key, weight in weights.items()
            if figures[key].value is not None
        ]
        total = sum(weight for weight, _progress in weighted)
        composite = (
            100 * sum(weight * progress for weight, progress in weighted) / total if total else None
        )
        rows.append(AgentRow(agent_id, name, figures, composite, missing))
    rows.sort(key=lambda row: (row.composite is None, -(row.composite or 0), row.name))
    return rows
