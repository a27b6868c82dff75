"""A talk's agenda: segments (speaker, title, minutes), the one on now, and moving on."""
