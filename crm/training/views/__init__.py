"""Training pages; one blueprint shared by the modules of this package."""

from __future__ import annotations

from crm.training.views import planning, records, sessions  # noqa: F401
from crm.training.views.blueprint import bp

__all__ = ["bp"]
