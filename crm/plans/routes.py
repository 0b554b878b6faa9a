"""The plans blueprint with every route attached."""

from crm.plans import plan_views, views  # noqa: F401 - attach their routes
from crm.plans.blueprint import bp

__all__ = ["bp"]
