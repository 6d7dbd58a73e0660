"""The webhook emitter: Svix-style signed deliveries of the region's status changes.

payloads.py   domain event + workspace profile -> (event type, body) messages
signing.py    whsec_ secrets, `v1,` signatures, both header families, a pure `verify`
endpoints.py  endpoints, filters, enable/disable, secrets and their rotation
sender.py     one POST, judged as Svix judges it (2xx only, no redirects, 15 s)
delivery.py   attempts as durable jobs: retry schedule, jitter, disabling, resend, recover
emitter.py    the `dispatch_event` job: outbox event -> stored messages -> first attempts
trigger.py    one webhook on demand, about real resources
"""

from recall_sim.simulator.webhooks.emitter import WebhookEmitter
from recall_sim.simulator.webhooks.models import Attempt, Destination, Endpoint, Message
from recall_sim.simulator.webhooks.payloads import EVENT_TYPES
from recall_sim.simulator.webhooks.signing import WebhookVerificationError, sign, signed_headers, verify

__all__ = [
    "EVENT_TYPES",
    "Attempt",
    "Destination",
    "Endpoint",
    "Message",
    "WebhookEmitter",
    "WebhookVerificationError",
    "sign",
    "signed_headers",
    "verify",
]
