"""Staff: the people who work the projects (they do not sign in)."""
