"""Schema migrations of the notifications plugin."""
