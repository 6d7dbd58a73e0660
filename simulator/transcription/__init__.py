"""Transcription: the simulated providers that turn a recording's speech track into transcripts.

options.py        provider options read against Recall's per-provider schemas
option_rules.py   what each simulated provider takes and refuses of the options forwarded to it
providers.py      the async providers: language, speaker labels, spelling, profanity
request.py        a create_transcript body: its structure checked, its options passed through
engine.py         hearing the speech track and transcribing it as a provider would
diarization.py    which participant said each word (speaker timeline, machine, Host/Guest)
wording.py        custom spellings and profanity masking
provider_data.py  each provider's raw result (the provider-data download)
sources.py        the recording's media, speaker timeline and platform
jobs.py           the durable `transcribe_recording` job
"""
