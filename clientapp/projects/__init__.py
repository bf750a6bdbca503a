"""Projects: the work done for a client, on dates, staffed by staff members."""
