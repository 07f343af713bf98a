"""Inline keyboards and their callback data: pure builders that take plain data."""
