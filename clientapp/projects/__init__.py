"""Projects: the work done for a client."""
