"""What each simulated provider makes of the options Recall forwards to it, as data.

Recall checks only a transcript request's structure (one known provider, its options an object) and
passes the options through; the provider judges them, and one it refuses fails the transcript later
(`status.sub_code` REFUSED_SUB_CODE, the provider's message in its provider data), never the request.
This holds for async transcripts (`create_transcript`) and for the streaming provider named in an
upload's `recording_config.transcript`, whose refusal fails the real-time transcript.

A provider judges its options by its schema in Recall's reference document (options.py), amended here
by what was observed of the live providers:

- `takes`: options it accepts beyond that schema, with their own schema. AssemblyAI's current API takes
  `speech_models` (a list) and `keyterms_prompt`; the seed's example sends `diarization: true`.
- `refuses`: options it refuses whatever their value, with its message. AssemblyAI no longer takes the
  singular `speech_model`; its v3 streaming API replaced v2's `word_boost` with `keyterms_prompt`.
- `closed`: an option neither published nor in `takes` is refused (the async providers' APIs reject
  unknown parameters, so a typo never silently does nothing) or ignored (the streaming providers take
  their options as connection parameters and ignore ones they do not know).
- `schema`: the reference schema to read when the provider's entry in the artifact's schema is empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recall_sim.simulator.transcription.options import named_schema, provider_schema, schema_errors

__all__ = ["OPTION_RULES", "REFUSED_SUB_CODE", "OptionRules", "refusal", "streaming_refusal"]

#: the transcript's `status.sub_code` when its provider refused the request's options
REFUSED_SUB_CODE = "provider_request_rejected"

_STRINGS: Mapping[str, Any] = {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class OptionRules:
    takes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    refuses: Mapping[str, str] = field(default_factory=dict)
    closed: bool = True
    schema: str | None = None


_ASSEMBLY_AI = OptionRules(
    takes={"speech_models": _STRINGS, "keyterms_prompt": _STRINGS, "diarization": {"type": "boolean"}},
    refuses={
        "speech_model": "The speech_model parameter is no longer supported; "
        'use speech_models, e.g. ["universal-2"].'
    },
)

#: each provider's rules; a provider not named here judges by its schema alone, closed
OPTION_RULES: dict[str, OptionRules] = {
    "assembly_ai_async": _ASSEMBLY_AI,
    "assembly_ai_async_chunked": _ASSEMBLY_AI,
    "assembly_ai_v3_streaming": OptionRules(
        takes={"keyterms_prompt": _STRINGS, "speech_model": {"type": "string"}},
        refuses={"word_boost": "word_boost is not supported by the v3 streaming API; use keyterms_prompt."},
        closed=False,
    ),
    "recallai_streaming": OptionRules(closed=False, schema="RecallaiStreamingTranscription"),
    "deepgram_streaming": OptionRules(closed=False),
    "gladia_v2_streaming": OptionRules(closed=False),
    "speechmatics_streaming": OptionRules(closed=False),
    "elevenlabs_streaming": OptionRules(closed=False),
    "assembly_ai_streaming": OptionRules(closed=False),
}


def _flatten(errors: Any, path: str = "") -> list[str]:
    if isinstance(errors, dict):
        return [line for key, value in errors.items() for line in _flatten(value, f"{path}{key}.")]
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [f"{path.rstrip('.')}: {' '.join(errors)}" if path else " ".join(errors)]
    return [line for i, item in enumerate(errors) for line in _flatten(item, f"{path}{i}.")]


def refusal(provider: str, options: Mapping[str, Any]) -> str | None:
    """The provider's message refusing `options`, or None when it takes them."""
    rules = OPTION_RULES.get(provider, OptionRules())
    refused = [f"{name}: {rules.refuses[name]}" for name in options if name in rules.refuses]
    if refused:
        return f"{provider} refused the request. " + " ".join(refused)
    schema = named_schema(rules.schema) if rules.schema else provider_schema(provider)
    if schema is None:
        schema = {"type": "object", "properties": {}}
    errors = schema_errors(schema, dict(options), also_takes=rules.takes, closed=rules.closed)
    if errors is None:
        return None
    return f"{provider} refused the request. " + " ".join(_flatten(errors))


def streaming_refusal(transcript_config: Any) -> tuple[str, str] | None:
    """(provider, its message) when the streaming provider of an upload's `recording_config.transcript`
    refuses its options, else None (no transcript, or options it takes)."""
    provider = transcript_config.get("provider") if isinstance(transcript_config, dict) else None
    if not isinstance(provider, dict) or len(provider) != 1:
        return None
    ((name, options),) = provider.items()
    message = refusal(name, options) if isinstance(options, dict) else None
    return None if message is None else (name, message)
