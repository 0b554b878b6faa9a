"""Interactions (客户互动记录): every contact with a customer, appended, never lost."""
