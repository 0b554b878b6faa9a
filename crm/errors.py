"""Errors that business rules raise; views turn them into form errors or flash messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request. ``message`` is user-facing (translatable); ``field`` names
    the form field it belongs to, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    """The actor may not do this to this object."""
