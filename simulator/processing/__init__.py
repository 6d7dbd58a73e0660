"""Processing: turning an uploaded recording's bytes into a Recording's artifacts."""
