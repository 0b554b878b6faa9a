"""What the placeholders in an article (a reply text or a call script) stand for on a case or
a customer's page."""

from __future__ import annotations

from crm.auth.models import User
from crm.cases.models import Case
from crm.knowledge.models import (
    Article,
)


def placeholder_values(
    *, customer_name: str, agent: User | None = None, case: Case | None = None
) -> dict[str, str]:
    """What ``{customer_name}``, ``{case_number}`` and ``{agent_name}`` stand for; a
    placeholder with nothing to fill it (no case on the customer page) is left out."""
    values = {"customer_name": customer_name}
    if case is not None:
        values["case_number"] = str(case.id)
    if agent is not None:
        values["agent_name"] = agent.display_name
    return values


def case_values(case: Case, agent: User | None = None) -> dict[str, str]:
    """The placeholders' values on ``case``: its customer's name, or the requester's."""
    name = case.customer.name if case.customer else case.requester_name or ""
    return placeholder_values(customer_name=name, agent=agent, case=case)


def text_for_case(article: Article, case: Case, agent: User | None = None) -> str:
    """The article's text for a reply on ``case``: plain text, with ``{customer_name}`` and
    ``{case_number}`` filled in as the reply templates fill them (and ``{agent_name}`` in call
    scripts). Not for rendering: see :func:`crm.knowledge.render.render_filled`."""
    text = article.body
    for key, value in case_values(case, agent).items():
        text = text.replace("{" + key + "}", value)
    return text
