"""A simulated Recall.ai region: the REST API, ingest, processing, webhooks and a control plane."""

from simulator.app import create_app
from simulator.control import ControlPlane
from simulator.region import Region
from simulator.settings import Settings

__all__ = ["ControlPlane", "Region", "Settings", "create_app"]
