"""Service targets, the KPI dashboard and monthly reports."""
