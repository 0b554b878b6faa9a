"""How a refused request body is described: the web's error page and the API's error body both
name the configured limit, so the user knows how far over it they were."""

from __future__ import annotations

from flask import current_app, request


def megabytes(size: int) -> str:
    """A size in bytes as "50 MB"."""
    return f"{size / (1024 * 1024):g} MB"


def file_size(size: int) -> str:
    """A file's size as "733 B", "12 KB" or "3.4 MB": units read the same in both languages
    (Jinja's filesizeformat says "Bytes" on Chinese pages)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def body_over_limit() -> str | None:
    """The upload limit as "50 MB" when this request's body is over ``MAX_CONTENT_LENGTH``
    (Werkzeug refuses it on its declared length, before reading it); None when the 413 came
    from the form limits instead (``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if limit is None or (length is not None and length <= limit):
        return None
    return megabytes(limit)
