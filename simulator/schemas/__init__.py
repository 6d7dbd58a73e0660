"""The JSON shapes of the REST API, named with Recall's nouns."""
