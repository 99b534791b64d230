"""Schema migrations of the portal plugin."""
