"""A simulated Recall.ai region: the REST API, ingest, processing, webhooks and a control plane."""

from recall_sim.simulator.app import create_app
from recall_sim.simulator.control_plane import ControlPlane
from recall_sim.simulator.region import Region
from recall_sim.simulator.settings import Settings

__all__ = ["ControlPlane", "Region", "Settings", "create_app"]
