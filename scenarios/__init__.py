"""Deterministic, property-based scenarios that drive the whole Recall Desktop SDK lifecycle."""
