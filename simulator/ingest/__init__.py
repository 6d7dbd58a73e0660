"""The SDK ingest protocol: upload tokens, recording lifecycle calls, and tus 1.0 file uploads."""
