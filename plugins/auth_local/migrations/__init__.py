"""Migrations of the auth_local plugin."""
