"""The customers blueprint, shared by the modules of crm.customers.views."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")
