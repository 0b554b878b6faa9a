"""The agents and the data `bench/capacity.py` works with: bench accounts (agents and a few
supervisors) added to the seeded database, open callbacks shared out to them so each has a
worklist of their own, and the customers, numbers, names and cases the actions pick from."""

from __future__ import annotations

import random
import urllib.parse
from dataclasses import dataclass

from sqlalchemy import func, select, update

from crm.auth.models import User, UserRole
from crm.callbacks.models import CallbackTask, TaskStatus
from crm.cases.models import Case
from crm.customers.models import Customer, CustomerPhone
from crm.customers.search import pinyin_forms
from crm.demo import DEMO_PASSWORD
from crm.extensions import db
from crm.security import hash_password

AGENT = "cap-agent-{:05d}"
SUPERVISOR = "cap-sup-{:03d}"
SAMPLE = 2000


@dataclass
class Picks:
    customers: list[int]
    phone_suffixes: list[str]
    name_prefixes: list[str]
    initials: list[str]
    cases: list[int]


def ensure_accounts(agents: int, supervisors: int) -> None:
    """Add the missing bench accounts (password: the demo one), hashed once, not per account."""
    have = set(db.session.scalars(select(User.username).where(User.username.like("cap-%"))).all())
    wanted = [(AGENT.format(n), "agent") for n in range(1, agents + 1)]
    wanted += [(SUPERVISOR.format(n), "supervisor") for n in range(1, supervisors + 1)]
    missing = [(name, role) for name, role in wanted if name not in have]
    if not missing:
        return
    password_hash = hash_password(DEMO_PASSWORD)
    for name, role in missing:
        user = User(
            username=name,
            display_name=f"压测{name[4:]}",
            password_hash=password_hash,
            locale="zh_Hans_CN",
            timezone="Asia/Shanghai",
        )
        user.role_rows = [UserRole(role=role)]
        db.session.add(user)
    db.session.commit()


def share_callbacks(agents: int) -> int:
    """Give every bench agent open callbacks of their own (round robin over those of the
    demo agents other than ``agent``, whose worklist `make bench` measures), once."""
    bench_ids = db.session.scalars(
        select(User.id).where(User.username.like("cap-agent-%")).order_by(User.id)
    ).all()[:agents]
    taken = db.session.scalar(
        select(func.count())
        .select_from(CallbackTask)
        .where(CallbackTask.assignee_id.in_(bench_ids))
    )
    if taken or not bench_ids:
        return taken or 0
    keep = db.session.scalar(select(User.id).where(User.username == "agent"))
    tasks = db.session.scalars(
        select(CallbackTask.id)
        .where(CallbackTask.assignee_id != keep, CallbackTask.status == TaskStatus.DUE.value)
        .order_by(CallbackTask.id)
    ).all()
    for number, agent_id in enumerate(bench_ids):
        db.session.execute(
            update(CallbackTask)
            .where(CallbackTask.id.in_(tasks[number :: len(bench_ids)]))
            .values(assignee_id=agent_id)
        )
    db.session.commit()
    return len(tasks)


def picks(seed: int = 7) -> Picks:
    """What the actions open: customers spread over the table, their numbers' last four
    digits, their names' first two characters and pinyin initials, and cases every agent may
    read (nobody's yet: the shared pool)."""
    rng = random.Random(seed)
    top = db.session.scalar(select(func.max(Customer.id)))
    ids = sorted(rng.sample(range(1, top + 1), min(top, SAMPLE * 2)))
    live = Customer.id.in_(ids), Customer.deleted_at.is_(None)
    rows = db.session.execute(select(Customer.id, Customer.name).where(*live)).all()[:SAMPLE]
    phones = db.session.scalars(
        select(CustomerPhone.number).where(CustomerPhone.customer_id.in_([r.id for r in rows]))
    ).all()
    cases = db.session.scalars(
        select(Case.id).where(Case.assignee_id.is_(None)).order_by(Case.id.desc()).limit(SAMPLE)
    ).all()
    quote = urllib.parse.quote
    return Picks(
        customers=[r.id for r in rows],
        phone_suffixes=[number[-4:] for number in phones],
        name_prefixes=[quote(r.name[:2]) for r in rows],
        initials=[min(pinyin_forms(r.name), key=len) for r in rows],
        cases=list(cases),
    )
