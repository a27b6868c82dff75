"""The talk scheduler: APScheduler 3 in exactly one process (a lease in the database decides which)."""
