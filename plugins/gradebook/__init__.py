"""Gradebook: the teacher's journal and the progress service for families."""
