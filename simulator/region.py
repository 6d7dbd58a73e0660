"""One simulated Recall region: the composition root that owns every piece of state.

`Region` builds the backend from its settings, clock, randomness and store; `reset()` rebuilds it the
same way, so nothing can survive a reset by accident. The FastAPI app (app.py) and the control plane
(control_plane/) are thin layers over it.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from recall_sim.seams import Clock, Randomness, RealClock, VirtualClock, entropy_seed
from recall_sim.simulator.backend.artifacts import Artifacts
from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.recordings import Recordings
from recall_sim.simulator.backend.sdk_uploads import SdkUploads
from recall_sim.simulator.backend.transcripts import Transcripts
from recall_sim.simulator.backend.workspaces import Workspaces
from recall_sim.simulator.downloads import DownloadSigner
from recall_sim.simulator.faults import FaultRules
from recall_sim.simulator.idempotency import IdempotencyKeys
from recall_sim.simulator.ingest.session import IngestSessions
from recall_sim.simulator.ingest.tokens import UploadTokens
from recall_sim.simulator.ingest.tus import EXPIRE_JOB, TusFiles
from recall_sim.simulator.limits import RateLimiter
from recall_sim.simulator.processing.pipeline import Processing
from recall_sim.simulator.realtime.service import Realtime
from recall_sim.simulator.records import ApiKey, Workspace
from recall_sim.simulator.scheduler import Job
from recall_sim.simulator.settings import Settings
from recall_sim.simulator.shared_clock import SharedClock
from recall_sim.simulator.store import BlobStore, MemoryStore, SqliteStore, Store
from recall_sim.simulator.transcription.jobs import TranscriptJobs
from recall_sim.simulator.transcription.sources import RecordingSources
from recall_sim.simulator.webhooks.emitter import WebhookEmitter

if TYPE_CHECKING:
    import httpx  # annotations only: httpx loads when a request goes out

__all__ = ["Region", "open_store"]

DATABASE_NAME = "recall-sim.sqlite3"


def open_store(settings: Settings) -> tuple[Store, BlobStore]:
    """The SQLite store and blob folder under `data_dir`, or memory and a temporary blob folder; with a
    `store_url`, that PostgreSQL database and the blob folder under `data_dir`."""
    if settings.store_url is not None:
        from recall_sim.simulator.store.postgres import PostgresStore  # psycopg is an extra

        if settings.data_dir is None:
            raise ValueError("a PostgreSQL store keeps media in a data directory the processes share")
        return PostgresStore(settings.store_url), BlobStore(Path(settings.data_dir) / "blobs")
    if settings.data_dir is None:
        return MemoryStore(), BlobStore(Path(tempfile.mkdtemp(prefix="recall-sim-blobs-")), temporary=True)
    data_dir = Path(settings.data_dir)
    return SqliteStore(data_dir / DATABASE_NAME), BlobStore(data_dir / "blobs")


class Region:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        blobs: BlobStore | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        realtime_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or Settings()
        #: where webhooks go: an in-process receiver in tests and scenarios, real HTTP when None
        self.webhook_transport = webhook_transport
        #: how the region reaches `websocket` real-time endpoints: an in-process WebSocket transport
        #: (`httpx_ws.transport.ASGIWebSocketTransport`) in tests, real sockets when None
        self.realtime_transport = realtime_transport
        if store is None or blobs is None:
            opened_store, opened_blobs = open_store(self.settings)
            store = store or opened_store
            blobs = blobs or opened_blobs
        self.store = store
        self.blobs = blobs
        if clock is None and store.shared:
            # Several processes serve the region: they keep one clock, in the store.
            with store.startup_lock():
                clock = SharedClock(store, self.settings.time_scale)
        self.clock = clock or RealClock(self.settings.time_scale)
        self._build()

    def _build(self) -> None:
        # Processes starting together on one shared store take turns: one bootstraps, the rest find it.
        with self.store.startup_lock():
            self._build_locked()

    def _randomness(self, seed: int | str) -> Randomness:
        """The region's streams. Processes sharing a store each draw from streams of their own, derived
        from the region's seed and a process number the store hands out, so no two draw the same id."""
        if self.store.shared:
            return Randomness(seed).derive(f"process-{self.store.increment('process_seq')}")
        positions = self.store.get_meta("rng_positions") if seed == self.store.get_meta("seed") else None
        return Randomness(seed, positions)

    def _build_locked(self) -> None:
        stored_seed = self.store.get_meta("seed")
        seed = self.settings.seed if self.settings.seed is not None else stored_seed
        if seed is None:
            seed = entropy_seed()
        randomness = self._randomness(seed)
        self.store.put_meta("seed", seed)
        self._seed: int | str = seed
        self.ctx = Context(self.settings, self.clock, randomness, self.store, self.blobs)
        self.ctx.resume_clock()
        self.idempotency = IdempotencyKeys(self.ctx)
        if self.store.join_serving():
            # With other processes serving the same store, their requests are running now: their keys
            # stay taken. Alone, every request still marked running was cut off.
            self.idempotency.forget_interrupted()
        self.workspaces = Workspaces(self.ctx)
        self.upload_tokens = UploadTokens(self.ctx)
        self.sdk_uploads = SdkUploads(self.ctx, self.upload_tokens)
        self.recordings = Recordings(self.ctx)
        self.artifacts = Artifacts(self.ctx, self.recordings)
        self.tus = TusFiles(self.ctx, self.settings.ingest_max_size)
        self.sessions = IngestSessions(
            self.ctx, self.upload_tokens, self.sdk_uploads, self.recordings, self.tus
        )
        self.processing = Processing(self.ctx, self.sdk_uploads, self.upload_tokens, self.recordings)
        sources = RecordingSources(self.ctx, self.recordings)
        self.transcripts = Transcripts(self.ctx, self.recordings, sources)
        self.transcript_jobs = TranscriptJobs(self.ctx, self.recordings, sources)
        # Real-time webhooks go where webhooks go: the same seam reaches the partner's backend.
        self.realtime = Realtime(
            self.ctx, webhook_transport=self.webhook_transport, websocket_transport=self.realtime_transport
        )
        self.limiter = RateLimiter(
            self.clock, enabled=self.settings.rate_limits, shared=self.store if self.store.shared else None
        )
        self.faults = FaultRules(self.ctx)
        key = self.store.get_meta("download_signing_key")
        if key is None:
            with self.ctx.unit_of_work():
                key = self.ctx.ids.signing_key().hex()
                self.store.put_meta("download_signing_key", key)
        self.signer = DownloadSigner(bytes.fromhex(key))
        workspace, self.default_api_key = self._bootstrap_workspace()
        self._default_workspace_id = workspace.id
        self.scheduler = self.ctx.scheduler
        self.webhooks = WebhookEmitter(self.ctx, transport=self.webhook_transport)
        self.webhooks.register(self.scheduler)
        self.scheduler.register(EXPIRE_JOB, self._expire_ingest_file)

    async def _expire_ingest_file(self, job: Job) -> None:
        self.tus.expire(job.payload["file_id"])

    def _bootstrap_workspace(self) -> tuple[Workspace, ApiKey]:
        """The workspace `recall-sim serve` prints the key of; kept across restarts on a data dir."""
        workspace_id = self.store.get_meta("default_workspace_id")
        if workspace_id is not None:
            workspace = self.workspaces.get_workspace(workspace_id)
            keys = self.workspaces.api_keys_of(workspace.id)
            wanted = self.settings.api_key
            if wanted is not None and all(k.id != wanted for k in keys):
                existing = self.workspaces.keys.get(wanted)
                if existing is not None:
                    raise ValueError("that API key already belongs to another workspace")
                return workspace, self.workspaces.create_api_key(workspace.id, wanted)
            chosen = next((k for k in keys if k.id == wanted), keys[0])
            return workspace, chosen
        workspace, key = self.workspaces.create_workspace(
            name="Default workspace",
            api_key=self.settings.api_key,
            webhook_secret=self.settings.webhook_secret,
        )
        self.store.put_meta("default_workspace_id", workspace.id)
        return workspace, key

    @property
    def default_workspace(self) -> Workspace:
        """The start-up workspace, as stored now (its profile, quirks and secret can change)."""
        return self.workspaces.get_workspace(self._default_workspace_id)

    @property
    def seed(self) -> int | str:
        return self._seed

    async def reset(self, *, seed: int | None = None) -> None:
        """Forget everything and start again as if freshly started (with `seed`, if given)."""
        running = self.scheduler.running
        await self.scheduler.stop()
        await self.realtime.aclose()
        self.store.clear()
        self.blobs.clear()
        if seed is not None:
            self.settings = self.settings.model_copy(update={"seed": seed})
        else:
            self.settings = self.settings.model_copy(update={"seed": self.seed})
        self._build()
        if running:
            self.scheduler.start()

    async def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass. On a virtual clock inside its own loop every timer in
        between fires at its moment; otherwise the clock jumps."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        clock = self.clock
        if isinstance(clock, VirtualClock) and getattr(asyncio.get_running_loop(), "clock", None) is clock:
            await clock.sleep(seconds)
        else:
            await self.scheduler.advance(seconds)

    async def start(self) -> None:
        """Start background work (processing, webhook delivery). Idempotent."""
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop background work and close real-time connections; state is left as it is."""
        await self.scheduler.stop()
        await self.realtime.aclose()

    def close(self) -> None:
        self.store.close()
        self.blobs.close()
