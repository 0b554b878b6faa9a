"""Pages of customer value, care, offers and personal-information rights."""

from __future__ import annotations

from flask import Blueprint

from crm.value import models  # noqa: F401 - the tables must be known to the metadata

bp = Blueprint("value", __name__, url_prefix="/value")
