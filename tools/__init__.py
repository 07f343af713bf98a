"""Developer commands run by the Makefile (not part of the service)."""
