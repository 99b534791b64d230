"""Notifications of new marks to families: e-mail, Web Push and signed webhooks, from an outbox."""
