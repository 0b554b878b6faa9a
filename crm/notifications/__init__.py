"""In-app notifications (the bell), optionally e-mailed."""
