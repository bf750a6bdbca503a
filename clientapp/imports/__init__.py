"""Import and export of clients: jobs, checked rows, issues (see engine.py for the run)."""
