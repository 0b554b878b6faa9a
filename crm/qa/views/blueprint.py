from __future__ import annotations

from flask import Blueprint

from crm.qa.home import register_home_sections
from crm.qa.providers import register_providers

bp = Blueprint("qa", __name__, url_prefix="/qa")
bp.record_once(register_providers)
bp.record_once(register_home_sections)
