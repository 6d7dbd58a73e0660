"""Recall's Desktop Recording SDK, reimplemented in Python on a simulated desktop."""
