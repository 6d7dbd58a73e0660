"""A served region recognises on a worker thread: while the recogniser works, requests are answered."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from recall_sim.scenarios.sample_media import make_mp3
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served
from recall_sim.simulator.transcription import listening
from recall_sim.simulator.transcription.diarization import HeardWord
from tests.recorder.test_supplied_words import BODY, upload

pytestmark = pytest.mark.served


def test_requests_are_answered_while_the_recogniser_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    working = threading.Event()
    release = threading.Event()
    threads: list[str] = []
    real = listening.recognise

    def held(path: Path) -> list[HeardWord]:
        # The real recogniser, held until the test has been answered while it works.
        threads.append(threading.current_thread().name)
        working.set()
        assert release.wait(30), "the test never let the recogniser finish"
        return real(path)

    monkeypatch.setattr(listening, "recognise", held)
    media = tmp_path / "own.mp3"
    media.write_bytes(make_mp3(2.0))
    with served(Settings(seed=23, data_dir=tmp_path / "data")) as region:
        recording_id = upload(region, media)
        headers = {"Authorization": f"Token {region.api_key}"}
        with httpx.Client(base_url=region.base_url, headers=headers, timeout=10) as api:
            created = api.post(f"/api/v1/recording/{recording_id}/create_transcript/", json=BODY)
            assert created.status_code == 200, created.text
            assert working.wait(30), "the recogniser never started"
            try:
                # Answered while recognition is under way: it does not hold the event loop.
                answered = api.get(f"/api/v1/transcript/{created.json()['id']}/")
                assert answered.status_code == 200
                assert answered.json()["status"]["code"] == "processing"
                assert api.get(f"/api/v1/recording/{recording_id}/").status_code == 200
            finally:
                release.set()
    # asyncio's default executor: the worker thread `Context.offload` hands blocking work to.
    assert threads
    assert threads[0].startswith("asyncio_")
