"""Schema migrations of the gradebook plugin."""
