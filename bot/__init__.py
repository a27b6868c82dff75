"""lunchlearn: a Slack bot that runs lunch-and-learn talks from announcement to feedback."""

__version__ = "0.1.0"
