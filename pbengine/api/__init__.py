"""The HTTP API (Litestar): translates requests to service calls and errors to JSON."""

from pbengine.api.app import create_app

__all__ = ["create_app"]
