"""The dashboard: boxes that lead into each feature."""
