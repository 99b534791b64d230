"""Schema migrations of the absence_notes plugin."""
