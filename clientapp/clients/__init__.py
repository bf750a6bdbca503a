"""Clients: the list, profiles, archive and delete."""
