"""Schema migrations of the registries plugin."""
