from __future__ import annotations

from flask import Blueprint, current_app, url_for

from crm.core.links import register_object_page
from crm.training.home import register_home_sections

bp = Blueprint("training", __name__, url_prefix="/training")
bp.record_once(register_home_sections)


def _register_pages(_state: object = None) -> None:
    # An expiring certificate is shown, with the others, on the certificates page.
    register_object_page("certificate", lambda _user_id: url_for("training.certificates"))
    register_object_page(
        "training_session", lambda id_: url_for("training.session", session_id=id_)
    )


bp.record_once(_register_pages)


def target() -> float:
    """The target person pass rate (培训合格率) the pages compare against."""
    return current_app.config["TRAINING_PASS_TARGET"]
