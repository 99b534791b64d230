"""The regional portal channel: applications for the progress service received through the SMEV 3 Adapter."""
