"""Lunch headcount: in person (with lunch) or remote, capacity and waitlist, the lunch-order cutoff."""
