"""Use cases. No Bolt here: listeners parse and ack, then call a service."""
