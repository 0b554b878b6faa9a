"""Read-only queries for customer lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, Text, cast, or_, select

from crm.customers.models import Customer, Tier
from crm.customers.search import substring_condition
from crm.database import utcnow
from crm.pagination import Page, paginate, sort_clause

CUSTOMER_SORTS = {
    "name": Customer.name,
    "company": Customer.company,
    "tier": Customer.tier,
    "region": Customer.region,
    "last_contact_at": Customer.last_contact_at,
    "created_at": Customer.created_at,
}
DEFAULT_SORT = "-last_contact_at"


@dataclass
class CustomerFilters:
    q: str = ""
    tier: str = ""
    owner: str = ""
    region: str = ""
    tag: str = ""
    #: only customers not contacted for at least this many days
    quiet_days: int | None = None
    deleted: bool = False

    @classmethod
    def from_args(cls, args: dict[str, str]) -> CustomerFilters:
        quiet = (args.get("quiet_days") or "").strip()
        owner = (args.get("owner") or "").strip()
        return cls(
            q=(args.get("q") or "").strip()[:100],
            tier=args.get("tier") if args.get("tier") in {t.value for t in Tier} else "",
            owner=owner if owner.isdigit() or owner == "none" else "",
            region=(args.get("region") or "").strip()[:50],
            tag=(args.get("tag") or "").strip().lower()[:30],
            quiet_days=int(quiet) if quiet.isdigit() and 0 < int(quiet) <= 3650 else None,
            deleted=args.get("deleted") == "1",
        )

    def as_args(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "tier": self.tier,
            "owner": self.owner,
            "region": self.region,
            "tag": self.tag,
            "quiet_days": str(self.quiet_days) if self.quiet_days else "",
            "deleted": "1" if self.deleted else "",
        }
        return {key: value for key, value in values.items() if value}


def filtered_customers(filters: CustomerFilters) -> Select[tuple[Customer]]:
    query = select(Customer)
    if filters.deleted:
        query = query.where(Customer.deleted_at.is_not(None), Customer.merged_into_id.is_(None))
    else:
        query = query.where(Customer.deleted_at.is_(None))
    if filters.q:
        query = query.where(substring_condition(filters.q.lower()))
    if filters.tier:
        query = query.where(Customer.tier == filters.tier)
    if filters.owner == "none":
        query = query.where(Customer.owner_id.is_(None))
    elif filters.owner:
        query = query.where(Customer.owner_id == int(filters.owner))
    if filters.region:
        query = query.where(Customer.region == filters.region)
    if filters.tag:
        # Tags are a JSON list; its serialised, quoted form matches whole tags only.
        needle = json.dumps(filters.tag)
        query = query.where(cast(Customer.tags, Text).contains(needle, autoescape=True))
    if filters.quiet_days:
        cutoff = utcnow() - timedelta(days=filters.quiet_days)
        query = query.where(
            or_(Customer.last_contact_at.is_(None), Customer.last_contact_at < cutoff)
        )
    return query


def customer_listing(filters: CustomerFilters, *, sort: str, page: int) -> Page[Customer]:
    sort, order = sort_clause(sort, CUSTOMER_SORTS, default=DEFAULT_SORT)
    nulls_last = [clause.nulls_last() for clause in order]
    query = filtered_customers(filters).order_by(*nulls_last, Customer.id.desc())
    return paginate(query, page=page, sort=sort, filters=filters.as_args())
