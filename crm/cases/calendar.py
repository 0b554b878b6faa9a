"""The department's business calendar: opening hours from the settings, holidays and make-up
working days (调休) from the database."""

from __future__ import annotations

from datetime import time

from flask import current_app

from crm.cases.clock import BusinessHours
from crm.timezones import department_zone
from crm.workdays import working_day_rule


def business_hours() -> BusinessHours:
    """Opening hours (CRM_BUSINESS_HOURS, default 09:00-18:00) in the department's zone, on
    Monday to Friday unless the holiday table says otherwise."""
    config = current_app.config
    opens, closes = (time.fromisoformat(part) for part in config["BUSINESS_HOURS"].split("-"))
    return BusinessHours(
        zone=department_zone(),
        opens=opens,
        closes=closes,
        is_working_day=working_day_rule(),
    )


def hours_for(business: bool) -> BusinessHours | None:
    return business_hours() if business else None
