"""Interactions: the client's timeline, where the notes, calls, emails and meetings users
log sit among the app's own events (one events table, paged on (at, id))."""
