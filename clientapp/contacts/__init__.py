"""Contacts: the people at a client, one of them its primary contact."""
