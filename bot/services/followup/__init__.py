"""Follow-up after a talk: slides and recording links, the no-show DM, the archive."""
