"""Database helpers every feature shares: the aware-UTC time, column types, the search index."""
