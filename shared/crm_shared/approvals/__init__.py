"""The approval mechanism every service shares (see docs/approvals.md).

- :mod:`.rules`: flows as data and the pure transitions of a request;
- :mod:`.tables`: each service's own approval tables (platform metadata);
- :mod:`.engine`: use cases over a session, with per-kind callbacks and events;
- :mod:`.api`: a blueprint factory a service mounts under its own prefix.
"""

# The path a service mounts its approvals under; the gateway's inbox asks it.
APPROVALS_PATH = "/api/v1/{service}/approvals"

# Published by the mechanism on behalf of a service that declares ``approvals``:
# list them in its ServiceSpec's ``publishes``.
EVENTS = ("approval.requested", "approval.decided")
