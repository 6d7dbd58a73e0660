"""The region's state and rules, one module per resource; routes only parse, call these, and render."""
