"""The journal demo (filled below)."""
