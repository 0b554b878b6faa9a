"""The security tools run bounded in every test run; `make security` sets CRM_SECURITY_FULL=1
for their thorough settings. Each prints the tool's own summary line."""

from __future__ import annotations

import os

#: thorough settings for `make security`, bounded ones for the suite's CI
FULL = os.environ.get("CRM_SECURITY_FULL") == "1"
