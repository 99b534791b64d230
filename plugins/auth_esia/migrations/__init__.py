"""Schema migrations of the auth_esia plugin."""
