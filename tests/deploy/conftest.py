"""The deploy tests start the service in processes of their own, on fresh databases."""

from tests.integration.conftest import databases

__all__ = ["databases"]
