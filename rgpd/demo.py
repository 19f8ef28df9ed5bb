"""The GDPR part of the demo (filled below)."""
