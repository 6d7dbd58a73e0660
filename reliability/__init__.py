"""The reliability suite: load, faults and hostile input, each part printing its figures."""
