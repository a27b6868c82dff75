"""Talk flows: what happens when a talk is created, edited, cancelled, goes live, ends, or gets an RSVP
(bot/flows/talk.py), run as durable steps recorded in the database (bot/flows/engine.py)."""
