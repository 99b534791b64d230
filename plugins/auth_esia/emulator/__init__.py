"""The offline ESIA emulator (a separate Flask app)."""
