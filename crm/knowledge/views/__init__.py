"""Knowledge-base pages for staff, and the public help centre."""

from __future__ import annotations

from crm.knowledge.views import (  # noqa: F401
    articles,
    cases,
    categories,
    help_centre,
    imports,
    links,
)
from crm.knowledge.views.blueprint import bp, public

__all__ = ["bp", "public"]
