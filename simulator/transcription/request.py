"""A `create_transcript` body checked as Recall checks it: its structure, not the provider's options.

- `provider` names exactly one provider of ASYNC_PROVIDERS, and its options are an object; what the
  options say is the provider's business (option_rules.py): they are forwarded as they are, and one the
  provider refuses fails the transcript later, never this request. A non-object nests under the
  provider's name: `{"provider": {"assembly_ai_async": ['Expected a dictionary ...']}}`.
- `diarization` is the seed's `{"algorithm_priority": ["speaker_timeline", ...]}` or today's
  `{"use_separate_streams_when_available": bool}` (both may be given). The transcript reports it with
  `use_separate_streams_when_available` always present, as the artifact's schema requires. Separate
  streams are not available for Desktop SDK recordings, so that switch changes nothing here.

Every problem in the body is reported at once, as a DRF serializer does.
"""

from __future__ import annotations

from typing import Any

from recall_sim.simulator.errors import ValidationFailed
from recall_sim.simulator.transcription.diarization import ALGORITHMS
from recall_sim.simulator.transcription.engine import TranscriptionRequest
from recall_sim.simulator.transcription.options import UNKNOWN_OPTION
from recall_sim.simulator.transcription.providers import ASYNC_PROVIDERS

__all__ = ["diarization_errors", "parse_transcript_request"]


def _provider_errors(provider: dict[str, Any]) -> Any:
    if len(provider) != 1:
        return ["Exactly one provider must be specified."]
    ((name, options),) = provider.items()
    if name not in ASYNC_PROVIDERS:
        return [f'"{name}" is not a valid choice.']
    if not isinstance(options, dict):
        return {name: [f'Expected a dictionary of items but got type "{type(options).__name__}".']}
    return None


def diarization_errors(diarization: dict[str, Any]) -> dict[str, Any] | None:
    errors: dict[str, Any] = {}
    for key, value in diarization.items():
        if key == "use_separate_streams_when_available":
            if not isinstance(value, bool):
                errors[key] = ["Must be a valid boolean."]
        elif key == "algorithm_priority":
            if not isinstance(value, list):
                errors[key] = [f'Expected a list of items but got type "{type(value).__name__}".']
                continue
            bad = {
                str(i): [f'"{v}" is not a valid choice.'] for i, v in enumerate(value) if v not in ALGORITHMS
            }
            if bad:
                errors[key] = bad
            elif not value:
                errors[key] = ["This list may not be empty."]
        else:
            errors[key] = [UNKNOWN_OPTION]
    return errors or None


def parse_transcript_request(
    provider: dict[str, Any], diarization: dict[str, Any] | None
) -> TranscriptionRequest:
    errors: dict[str, Any] = {}
    if (found := _provider_errors(provider)) is not None:
        errors["provider"] = found
    if diarization is not None and (found := diarization_errors(diarization)) is not None:
        errors["diarization"] = found
    if errors:
        raise ValidationFailed(errors)
    ((name, options),) = provider.items()
    normalised: dict[str, Any] = {
        "use_separate_streams_when_available": bool(
            (diarization or {}).get("use_separate_streams_when_available", False)
        )
    }
    if diarization is not None and "algorithm_priority" in diarization:
        normalised["algorithm_priority"] = list(diarization["algorithm_priority"])
    return TranscriptionRequest(provider=name, options=dict(options), diarization=normalised)
