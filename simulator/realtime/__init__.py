"""The real-time channel: the recorder streams participant events and words over a WebSocket; the region
answers with transcript events and delivers real-time events to the upload's endpoints.

    protocol.py    the frames, both ways
    streams.py     what each recorder frame does; the timed transcript events
    payloads.py    event bodies in the contract's shapes, and the start response's real-time part
    deliveries.py  in-order delivery per destination, with retries
    channels.py    connected recorders
    sockets.py     the region's connections to websocket endpoints
    transcript.py  the streamed transcript that processing turns into an artifact
    service.py     all of it, as the region holds it
"""
