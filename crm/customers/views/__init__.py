"""Customer pages, one module per concern; importing the package registers every route."""

from crm.customers.blueprint import bp
from crm.customers.views import imports, lists, merge, profile, records

__all__ = ["bp", "imports", "lists", "merge", "profile", "records"]
