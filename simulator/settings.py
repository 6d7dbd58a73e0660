"""How one simulated region is configured. Built by the CLI or by tests; never read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DELAY_PROFILES",
    "REGIONS",
    "ApiProfile",
    "DelayProfile",
    "RealtimeSettings",
    "RegionName",
    "Settings",
    "SignatureTime",
    "StatusDelays",
    "WebhookSettings",
]

RegionName = Literal["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"]
REGIONS: tuple[RegionName, ...] = ("us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1")

#: `seed` is the API as a late-2024 workspace sees it; `current` as a 2026 workspace does.
ApiProfile = Literal["seed", "current"]
DelayProfile = Literal["instant", "realistic"]
#: what a webhook attempt's `*-timestamp` header says: the machine's time when it is sent (`real`, as
#: Svix does) or the region's clock (`region`)
SignatureTime = Literal["region", "real"]


class StatusDelays(BaseModel):
    """Seconds between the status steps of an upload, a recording and its artifacts."""

    model_config = ConfigDict(frozen=True)

    #: finalize -> recording.processing
    processing_start: float = 0.0
    #: per artifact, after processing starts; real processing takes a fraction of the media's length
    artifact: float = 0.0
    #: seconds of processing per second of media, on top of `artifact`
    per_media_second: float = 0.0
    #: last artifact done -> recording.done -> sdk_upload complete
    finish: float = 0.0
    #: an async transcript: seconds per second of media (at least `artifact`)
    transcript_per_media_second: float = 0.0


DELAY_PROFILES: dict[DelayProfile, StatusDelays] = {
    "instant": StatusDelays(),
    # Roughly what the live service shows: a minute-long recording is done within a minute or two.
    "realistic": StatusDelays(
        processing_start=2.0,
        artifact=5.0,
        per_media_second=0.25,
        finish=2.0,
        transcript_per_media_second=0.3,
    ),
}


class WebhookSettings(BaseModel):
    """How webhooks are delivered. The defaults are Svix's: what Recall's customers see."""

    model_config = ConfigDict(frozen=True)

    #: seconds to wait after each failed attempt; a message gets len(retry_schedule) + 1 attempts
    retry_schedule: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
    #: each retry delay is scaled by a seeded factor in [1 - jitter, 1 + jitter]; 0 gives exact times
    jitter: float = Field(default=0.2, ge=0, lt=1)
    #: an attempt that has no complete 2xx response within this many seconds failed
    timeout: float = Field(default=15.0, gt=0)
    #: the next attempt after a timeout or a 429 waits at least this long
    throttled_min_delay: float = Field(default=60.0, ge=0)
    #: an endpoint failing this long, judged when a message's retries run out, is disabled
    disable_after: float = Field(default=5 * 24 * 3600.0, ge=0)
    #: a rotated-out secret keeps signing this long
    retired_secret_ttl: float = Field(default=24 * 3600.0, ge=0)
    #: at most this many rotated-out secrets sign beside the current one
    max_retired_secrets: int = Field(default=5, ge=0)
    #: the clock an attempt's signature timestamp is read from. Svix stamps the real time at which it
    #: sends, and receivers compare it with their own clock, so `real` verifies in an unmodified
    #: receiver however far the region's clock has been scaled or advanced; `region` stamps the region's
    #: clock (repeatable runs, receivers that verify against the region's time). None: `real` on the
    #: machine's clock (served), `region` on a virtual clock (in process, scenarios)
    signature_time: SignatureTime | None = None


class RealtimeSettings(BaseModel):
    """The real-time channel: how late transcript events follow the speech, and how real-time
    endpoints are delivered to (Recall's documented policy for real-time webhooks)."""

    model_config = ConfigDict(frozen=True)

    #: seconds from a word's end reaching the region to the `transcript.partial_data` that includes it
    partial_latency: float = Field(default=0.3, ge=0)
    #: seconds from an utterance's end to its `transcript.data`
    final_latency: float = Field(default=0.8, ge=0)
    #: a failed real-time delivery is tried again this many times, `retry_interval` apart
    retries: int = Field(default=60, ge=0)
    retry_interval: float = Field(default=1.0, ge=0)
    #: an attempt (a POST, or a websocket connect and send) with no success within this many seconds failed
    timeout: float = Field(default=15.0, gt=0)


class Settings(BaseModel):
    """One region's settings; every field has the default a partner would expect."""

    model_config = ConfigDict(frozen=True)

    region: RegionName = "us-east-1"
    #: profile of the workspace created at start-up
    profile: ApiProfile = "seed"
    #: fixed API key of the start-up workspace; generated (and kept in the data dir) when None
    api_key: str | None = None
    #: webhook secret of the start-up workspace; generated when None
    webhook_secret: str | None = None
    seed: int | None = None
    #: simulated seconds per real second in served mode; 0 freezes time (only advances move it)
    time_scale: float = Field(default=1.0, ge=0)
    #: SQLite database and media blobs live here; None keeps everything in memory
    data_dir: Path | None = None
    #: a postgresql:// URL: the region's state lives in that database, shared by every process serving
    #: it (media blobs stay under `data_dir`, which those processes must share); None uses SQLite
    store_url: str | None = None
    #: seconds a process holds a job it runs before another may take it over (renewed while it runs)
    job_lease: float = Field(default=30.0, gt=0)
    host: str = "127.0.0.1"
    port: int = 8080
    #: fixed base URL for links the region hands out; None derives it from each request
    public_base_url: str | None = None

    delays: DelayProfile = "instant"
    page_size: int = Field(default=10, ge=1, le=1000)
    #: how long a signed download URL works
    download_url_ttl: float = 6 * 3600.0
    #: how long an upload token can start a recording after the upload was created
    upload_token_ttl: float = 24 * 3600.0
    #: a recording's media is kept this long (its `expires_at`)
    retention: float = 7 * 24 * 3600.0
    #: Idempotency-Key replay window
    idempotency_ttl: float = 3600.0
    #: largest request body accepted outside tus (REST, ingest calls, control plane); bigger is a 413
    max_json_body: int = Field(default=1024 * 1024, ge=1)
    rate_limits: bool = True
    #: largest media file the ingest endpoint accepts (Tus-Max-Size)
    ingest_max_size: int = 16 * 1024**3
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    realtime: RealtimeSettings = Field(default_factory=RealtimeSettings)

    @property
    def status_delays(self) -> StatusDelays:
        return DELAY_PROFILES[self.delays]

    @property
    def base_url_hint(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"
