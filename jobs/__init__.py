"""Scheduled jobs: each opens its own session and calls the use cases."""
