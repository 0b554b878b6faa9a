"""The whole demo department in one call, in story order: people, customers and their history,
then today's work, training and QA (which samples the interactions made before it)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from crm.auth.models import User
from crm.customers.models import Customer, Tier
from crm.demo import demo_agents, demo_planner, demo_reviewer, demo_trainer, seed_demo_users
from crm.demo.callbacks import seed_callbacks, seed_due_calls
from crm.demo.cases import seed_cases
from crm.demo.channels import seed_channels
from crm.demo.customers import seed_customers, seed_interactions
from crm.demo.knowledge import seed_knowledge
from crm.demo.plans import seed_plans
from crm.demo.quality import seed_quality
from crm.demo.teams import seed_teams
from crm.demo.today import seed_open_cases
from crm.demo.training import seed_training
from crm.demo.value import seed_value
from crm.extensions import db
from crm.reports.monthly import keep_closed_months


@dataclass(frozen=True)
class Sizes:
    customers: int = 300
    interactions: int = 2000
    cases: int = 400
    callbacks: int = 240
    reviews: int = 300


@dataclass(frozen=True)
class Seeded:
    accounts: int
    open_cases: int
    due_calls: int
    sessions: int
    scored: int


def seed_all(sizes: Sizes, *, rng: random.Random, now: datetime) -> Seeded:
    """Load the demo department; the caller commits."""
    created = seed_demo_users()
    for user in created:
        # The department has worked for years: nobody gets the new-agent QA quota.
        user.created_at = now - timedelta(days=2 * 365)
    agents = demo_agents()
    customer_ids = seed_customers(sizes.customers, rng=rng, owners=agents)
    key_ids = customer_ids
    if customer_ids:
        key_ids = list(
            db.session.scalars(
                select(Customer.id).where(
                    Customer.id.between(customer_ids[0], customer_ids[-1]),
                    Customer.tier == Tier.KEY.value,
                )
            )
        )
    seed_interactions(sizes.interactions, rng=rng, customer_ids=customer_ids, agents=agents)
    seed_cases(sizes.cases, rng=rng, customer_ids=customer_ids, agents=agents, now=now)
    open_cases = seed_open_cases(rng=rng, customer_ids=customer_ids, agents=agents, now=now)
    planner, trainer, reviewer = demo_planner(), demo_trainer(), demo_reviewer()
    if planner is not None:
        seed_channels(rng=rng, supervisor=planner, agents=agents, now=now)
    due_calls = 0
    if planner is not None:
        seed_callbacks(
            sizes.callbacks,
            rng=rng,
            customer_ids=key_ids,
            agents=agents,
            planner=planner,
            now=now,
        )
        due_calls = seed_due_calls(
            rng=rng, customer_ids=customer_ids, agents=agents, planner=planner, now=now
        )
    sessions = scored = 0
    if trainer is not None and agents:
        sessions = seed_training(rng=rng, trainer=trainer, agents=agents, now=now)
    if reviewer is not None and agents:
        scored = seed_quality(rng=rng, reviewer=reviewer, now=now, count=sizes.reviews)
    if planner is not None:
        # Its own random numbers: the rest of the demo stays as it was before it.
        authors = [u for u in (planner, trainer, reviewer) if u is not None]
        seed_knowledge(rng=random.Random(24), editor=planner, authors=authors)  # noqa: S311
    if planner is not None:
        # Its own random numbers too; the care tasks go to the demo agent (if any).
        owner = next((a for a in agents if a.username == "agent"), agents[0] if agents else None)
        seed_value(
            rng=random.Random(27),  # noqa: S311 - demo data
            customer_ids=customer_ids,
            planner=planner,
            owner=owner,
            now=now,
        )
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is not None:
        # Last: the roster it writes would otherwise change who the stories above route to.
        seed_teams(admin=admin, now=now)
    # The dashboard's trend reads closed months from their kept reports.
    keep_closed_months(now)
    if planner is not None:
        # After the kept reports: the plan's figures read closed months as the dashboard does.
        seed_plans(planner=planner, trainer=trainer, now=now)
    return Seeded(len(created), open_cases, due_calls, sessions, scored)
