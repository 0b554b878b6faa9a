from __future__ import annotations

from flask import Blueprint, current_app, url_for

from crm.notifications.kinds import register_link
from crm.training.home import register_home_sections

bp = Blueprint("training", __name__, url_prefix="/training")
bp.record_once(register_home_sections)


def _register_links(_state: object = None) -> None:
    # An expiring certificate is shown, with the others, on the certificates page.
    register_link("certificate", lambda _user_id: url_for("training.certificates"))


bp.record_once(_register_links)


def target() -> float:
    """The target person pass rate (培训合格率) the pages compare against."""
    return current_app.config["TRAINING_PASS_TARGET"]
