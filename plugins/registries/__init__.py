"""Registries: students, parents (SNILS), users, links, consents, organisations."""
