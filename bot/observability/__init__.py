"""Metrics and other views into a running bot."""
