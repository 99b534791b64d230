"""Schema migrations of the core's own tables."""
