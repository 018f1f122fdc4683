"""Who acts in tests that call an audited use case directly (storage.audit)."""

from __future__ import annotations

from node.storage import audit
from node.storage.audit import Who

TESTER = Who(audit.CLI, "tester", "command line on test")
