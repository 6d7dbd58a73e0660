"""`/ingest/v1/realtime`: the recorder's real-time WebSocket (README: "The real-time channel").

The upload token authorises it (`Authorization: UploadToken <token>`, or `?token=` for clients that
cannot set headers) while the token's recording is started and not finalized. Otherwise the handshake
is refused as the ingest calls refuse (401 or 409 with `{"detail"}`) where the server supports WebSocket
denial responses (uvicorn does), else with close code 1008 and the detail as the reason.

Each text frame is applied in turn and answered (an ack, or an error for a frame the region cannot
read); transcript events reach the recorder over the same connection, from the region's delivery jobs.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from recall_sim.simulator.api.deferred_route import DeferredRoute
from recall_sim.simulator.api.responses import error_response
from recall_sim.simulator.errors import ApiError
from recall_sim.simulator.region import Region

__all__ = ["router"]

router = APIRouter(prefix="/ingest/v1", tags=["ingest"], route_class=DeferredRoute)

#: WebSocket close code for a policy violation: here, a token that may not open the channel
POLICY_VIOLATION = 1008


@router.websocket("/realtime")
async def realtime_channel(websocket: WebSocket) -> None:
    region: Region = websocket.app.state.region
    try:
        auth = region.upload_tokens.authenticate(
            websocket.headers.get("authorization"), websocket.query_params.get("token")
        )
        region.upload_tokens.for_upload(auth)
    except ApiError as refused:
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            # The handshake answered as the ingest calls answer: 401 or 409 with `{"detail"}`.
            await websocket.send_denial_response(error_response(refused))
        else:
            await websocket.close(code=POLICY_VIOLATION, reason=str(refused.body.get("detail", "")))
        return
    await websocket.accept()
    recording_id = auth.upload.recording_id
    channel = region.realtime.connect(recording_id, websocket.send_text, lambda: websocket.close(code=1000))
    try:
        while channel.open:
            reply, ended = await region.realtime.receive(recording_id, await websocket.receive_text())
            if reply is not None:
                await channel.send(reply)
            if ended:
                await region.realtime.after_end(recording_id)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the recorder went away, or the region closed the connection under the receive
    finally:
        region.realtime.disconnect(channel)
