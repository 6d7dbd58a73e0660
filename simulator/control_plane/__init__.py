"""The control plane: what tests (and partners' test suites) do to a region besides calling its API.

    facade.py          `ControlPlane(region)`, the one way in: region-wide calls, `.webhooks`, `.realtime`
    webhook_calls.py   endpoints, messages, attempts, resend, recover, trigger
    realtime_calls.py  real-time deliveries and the streams recorders sent
    record_reads.py    what the region stores, across workspaces (the dashboard's pages)
    shapes.py          what the calls take and answer (the routes' bodies and answers too)

The routes under `/_simulator/` (api/routes/control.py, api/routes/webhooks.py), the dashboard, the pytest
plugin and the scenario runner all go through `ControlPlane`; none of them reaches past it to change the
region.
"""

from recall_sim.simulator.control_plane import shapes
from recall_sim.simulator.control_plane.facade import ControlPlane
from recall_sim.simulator.control_plane.shapes import *  # noqa: F403 -- shapes.__all__ names them

# The shapes are listed once, in shapes.py's __all__.
__all__ = ["ControlPlane"]
__all__ += shapes.__all__
