"""Where each kind of object is shown: one registry for the notifications, the audit log and
whatever else links to objects it does not own.

The domain that owns a kind registers its page from its blueprint's ``record_once`` hook
(ARCHITECTURE.md §13), so nothing that links has to import the domains it links to.
"""

from __future__ import annotations

from collections.abc import Callable

_pages: dict[str, Callable[[int], str]] = {}


def register_object_page(object_type: str, resolver: Callable[[int], str]) -> None:
    """Where an object of ``object_type`` is shown: ``resolver(object_id)`` gives its URL."""
    _pages[object_type] = resolver


def object_page(object_type: str | None, object_id: int | str | None) -> str | None:
    """The URL of the object's page, or None for a kind without one (or no usable id)."""
    resolver = _pages.get(object_type or "")
    if resolver is None or object_id is None or not str(object_id).isdigit():
        return None
    return resolver(int(object_id))
