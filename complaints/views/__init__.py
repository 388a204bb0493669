"""See docs/complaints.md."""
