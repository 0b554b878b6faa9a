"""Knowledge-base pages for staff, and the public help centre."""

from __future__ import annotations

from crm.knowledge.views import articles, cases, help_centre, imports, links  # noqa: F401
from crm.knowledge.views.blueprint import bp, public

__all__ = ["bp", "public"]
