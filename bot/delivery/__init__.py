"""Delivery infrastructure: the exactly-once outbox and the coalescing message refresher."""
