"""Gosuslugi (ESIA) login, and an offline ESIA emulator."""
