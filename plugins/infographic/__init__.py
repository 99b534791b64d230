"""Infographic: public pages on how families get the service."""
