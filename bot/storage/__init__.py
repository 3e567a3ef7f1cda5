"""Database tables, the async engine and the queries the rest of the bot uses."""
