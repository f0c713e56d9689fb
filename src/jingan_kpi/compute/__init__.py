"""compute stage."""
