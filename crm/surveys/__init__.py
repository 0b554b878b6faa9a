"""Satisfaction surveys (满意度调查) after a case is resolved."""
