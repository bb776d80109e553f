"""Run the probe service's worker as a process of its own (fault tests kill it).

Settings come from the environment like any service's: ``CRM_PROBE_DATABASE_URL``,
``CRM_BROKER_URL``, ``CRM_BUS_NAMESPACE``, ``CRM_PROBE_WORKER_HEALTH_PORT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from probe import PROBE

from crm_shared.worker import Worker

if __name__ == "__main__":
    Worker(PROBE).run_forever()
