"""The control plane's real-time calls, `ControlPlane(region).realtime` (over HTTP: `/_simulator/realtime/`):
the deliveries queued per recording and endpoint, and what each recorder streamed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from recall_sim.simulator.control_plane.shapes import DeliveryOut, SessionOut
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.realtime.records import DeliveryStatus

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["RealtimeCalls"]


class RealtimeCalls:
    def __init__(self, region: Region) -> None:
        self.region = region

    def deliveries(
        self,
        *,
        recording_id: str | None = None,
        endpoint_id: str | None = None,
        status: DeliveryStatus | None = None,
        event: str | None = None,
    ) -> list[DeliveryOut]:
        """Deliveries in the order they were queued."""
        where = {k: v for k, v in {"recording_id": recording_id, "endpoint_id": endpoint_id}.items() if v}
        found = self.region.realtime.deliveries.records.find(where)
        return [
            DeliveryOut.of(d)
            for d in found
            if (status is None or d.status == status) and (event is None or d.event == event)
        ]

    def delivery(self, delivery_id: str) -> DeliveryOut:
        found = self.region.realtime.deliveries.records.get(delivery_id)
        if found is None:
            raise NotFound()
        return DeliveryOut.of(found)

    def session(self, recording_id: str) -> SessionOut:
        found = self.region.realtime.streams.sessions.get(recording_id)
        if found is None:
            raise NotFound()
        return SessionOut.of(found, self.region.realtime.channels.connected(recording_id))
