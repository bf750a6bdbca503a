"""Accounts: sign-in, sign-out, the first administrator, roles."""
