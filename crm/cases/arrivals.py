"""Cases that arrive by a channel (e-mail, the contact form) rather than typed in by an agent:
opened with the SLA clocks running from arrival and routed to their department's queue; moved
on when the customer writes again; given their customer by an agent when the sender's address
named none or several. The channels call these; the rules stay with the cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.cases.models import CASE_CATEGORIES, Case, CaseOrigin, CaseStatus, Priority
from crm.cases.routing import pick_assignee
from crm.cases.services import DEFAULT_DEPARTMENT, add_event, require_change
from crm.cases.sla import restart_clock, starting_clocks
from crm.cases.supervisors import alert
from crm.customers.models import Customer
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Category, Channel, Direction
from crm.interactions.services import log_interaction

#: the interaction channel of each way a case arrives
CONTACT_CHANNEL = {CaseOrigin.EMAIL.value: Channel.EMAIL, CaseOrigin.WEB.value: Channel.WEB}


def open_arrived_case(
    *,
    origin: str,
    subject: str,
    category: str,
    now: datetime,
    customer: Customer | None,
    customer_match: str | None,
    requester_name: str | None = None,
    requester_email: str | None = None,
    requester_phone: str | None = None,
    description: str | None = None,
) -> Case:
    """Open a case that arrived at ``now`` by ``origin``, in its category's department, given
    to an agent by the department's routing setting (or left in its queue).

    :param customer_match: None when ``customer`` is the sender; "none" or "several" when the
        sender's address matched no customer or more than one, so an agent must say whose it is.
    """
    if category not in {c.value for c in CASE_CATEGORIES}:
        category = Category.INQUIRY.value
    department = DEFAULT_DEPARTMENT[Category(category)].value
    case = Case(
        customer_id=customer.id if customer else None,
        customer_match=None if customer else customer_match or "none",
        origin=origin,
        requester_name=(requester_name or "").strip()[:200] or None,
        requester_email=(requester_email or "").strip().lower()[:254] or None,
        requester_phone=(requester_phone or "").strip()[:40] or None,
        subject=(subject or "").strip()[:200] or str(_l("(no subject)")),
        description=(description or "").strip() or None,
        category=category,
        priority=Priority.NORMAL.value,
        department=department,
        assignee_id=pick_assignee(department),
        opened_at=now,
        **starting_clocks(category, Priority.NORMAL.value, now),
    )
    db.session.add(case)
    db.session.flush()
    add_event(case, None, "opened", now, category=category, origin=origin)
    record(
        action=AuditAction.CASE_OPENED,
        actor=None,
        object_type="case",
        object_id=case.id,
        details={"origin": origin, "customer": case.customer_id, "subject": case.subject},
    )
    if case.assignee_id is not None:
        if customer is not None:
            log_contact(case, db.session.get(User, case.assignee_id))
        alert(case, "case.assigned", [case.assignee_id])
    return case


def log_contact(case: Case, agent: User) -> None:
    """Log the arrival as the customer's contact, handled by ``agent``, once the case has both
    a customer and someone working it (QA's sampling and the contact counts read contacts)."""
    if case.interaction_id is not None or case.customer is None:
        return
    channel = CONTACT_CHANNEL.get(case.origin)
    if channel is None:
        return
    interaction = log_interaction(
        actor=agent,
        customer=case.customer,
        channel=channel.value,
        category=case.category,
        direction=Direction.INBOUND.value,
        summary=case.subject,
        occurred_at=case.opened_at,
    )
    case.interaction_id = interaction.id
    db.session.flush()


def customer_wrote(case: Case, now: datetime) -> Case:
    """The customer wrote again on ``case``. A case waiting on them is worked again (its clock
    restarts); a resolved one within the reopening window is reopened; after that, or once
    closed, the message opens a follow-up case, which is returned instead.
    """
    status = CaseStatus(case.status)
    if status == CaseStatus.WAITING:
        restart_clock(case, now)
        case.status = CaseStatus.IN_PROGRESS.value
        add_event(case, None, "status", now, old=status.value, new=case.status)
    elif (
        status == CaseStatus.RESOLVED
        and case.resolved_at is not None
        and (now - case.resolved_at <= timedelta(days=current_app.config["REOPEN_DAYS"]))
    ):
        case.reopen_count += 1
        case.resolved_at = None
        case.confirmation_method = case.confirmed_by = case.confirmed_at = None
        case.status = CaseStatus.REOPENED.value
        add_event(case, None, "status", now, old=status.value, new=case.status)
    elif status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        follow_up = open_arrived_case(
            origin=case.origin if case.origin != CaseOrigin.AGENT.value else "email",
            subject=case.subject,
            category=case.category,
            now=now,
            customer=case.customer,
            customer_match=case.customer_match,
            requester_name=case.requester_name,
            requester_email=case.requester_email,
            requester_phone=case.requester_phone,
        )
        follow_up.parent_id = case.id
        db.session.flush()
        return follow_up
    db.session.flush()
    return case


def link_customer(*, actor: User, case: Case, customer: Customer, now: datetime) -> None:
    """Say whose case this is, for a case whose sender matched no customer or several.

    :raises DomainError: when the case has its customer already, or the customer is deleted.
    """
    require_change(actor, case)
    if case.customer_id is not None:
        raise DomainError(_l("This case has its customer already."))
    if customer.is_deleted:
        raise PermissionDenied(_l("This customer has been deleted."))
    case.customer_id = customer.id
    case.customer = customer
    case.customer_match = None
    db.session.flush()
    add_event(case, actor, "customer", now, customer=customer.id)
    record(
        action=AuditAction.CASE_UPDATED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"customer": [None, customer.id]},
    )
    handler = db.session.get(User, case.assignee_id) if case.assignee_id else None
    log_contact(case, handler or actor)
