"""The customers blueprint, shared by the modules of crm.customers.views."""

from flask import Blueprint

from crm.customers.providers import register_providers

bp = Blueprint("customers", __name__, url_prefix="/customers")
bp.record_once(register_providers)
