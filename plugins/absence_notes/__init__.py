"""Absence notes: a parent tells the school, the class teacher accepts, the journal gets the excused code."""
