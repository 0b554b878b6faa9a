"""QA pages; one blueprint shared by the modules of this package."""

from __future__ import annotations

from crm.qa.views import calibration, report, reviews, sampling, scorecards  # noqa: F401
from crm.qa.views.blueprint import bp

__all__ = ["bp"]
