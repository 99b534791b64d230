"""Example third-party login provider for eschool."""
