"""Paging an API list by cursor: ``<sort key>|<id>`` of the last item shown."""

from __future__ import annotations

from crm.api.errors import ApiError


def parse_cursor(raw: str | None, parse: type) -> tuple:
    """A list cursor ``<sort key>|<id>`` as written by :func:`next_cursor`."""
    if raw is None:
        return ()
    try:
        key, entry_id = raw.rsplit("|", 1)
        return parse(key), int(entry_id)
    except ValueError:
        raise ApiError(422, "Invalid cursor.", fields={"cursor": "not one this API gave"}) from None


def next_cursor(items: list, limit: int, key: str) -> str | None:
    if len(items) <= limit:
        return None
    last = items[limit - 1]
    return f"{getattr(last, key).isoformat()}|{last.id}"
