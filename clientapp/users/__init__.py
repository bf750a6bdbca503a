"""Users: the accounts that sign in, managed by administrators."""
