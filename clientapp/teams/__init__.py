"""Management teams: the users who look after a client, and after each of its projects."""
