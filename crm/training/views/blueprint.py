from __future__ import annotations

from flask import Blueprint, current_app

from crm.training.home import register_home_sections

bp = Blueprint("training", __name__, url_prefix="/training")
bp.record_once(register_home_sections)


def target() -> float:
    """The target person pass rate (培训合格率) the pages compare against."""
    return current_app.config["TRAINING_PASS_TARGET"]
