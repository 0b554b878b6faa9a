"""Home page, language switch, health checks and error pages."""
