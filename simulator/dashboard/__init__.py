"""The region's dashboard: server-rendered pages at `/_simulator/` over the control plane (routes.py),
with the data each page shows gathered in views.py. It keeps no state of its own."""

from __future__ import annotations

from recall_sim.simulator.dashboard.routes import router

__all__ = ["router"]
