"""An import's uploaded file, read from the database a slice at a time.

The file is kept in ``import_batches.content`` so that the scheduler, on any host, can work it.
Loaded whole it was as large as the file (about 90 MB for a million rows) for the whole of a
dry run or commit; read through ``stored_file`` only one buffer of it is held at a time.
"""

from __future__ import annotations

import io
from typing import IO

from sqlalchemy import LargeBinary, func, select

from crm.customers.models import ImportBatch
from crm.extensions import db

#: bytes fetched per query
SLICE_BYTES = 1024 * 1024


class _StoredContent(io.RawIOBase):
    """A seekable read-only stream over one batch's content column (``substr`` counts bytes on
    a BLOB in SQLite and on a bytea in PostgreSQL)."""

    def __init__(self, batch_id: int, size: int) -> None:
        super().__init__()
        self._batch_id, self._size, self._position = batch_id, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        piece = db.session.scalar(
            select(
                func.substr(ImportBatch.content, self._position + 1, wanted, type_=LargeBinary)
            ).where(ImportBatch.id == self._batch_id)
        )
        data = bytes(piece or b"")
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def has_file(batch: ImportBatch) -> bool:
    """Whether the batch still keeps its file (cleared once committed), without loading it."""
    return bool(
        db.session.scalar(
            select(ImportBatch.content.is_not(None)).where(ImportBatch.id == batch.id)
        )
    )


def stored_file(batch: ImportBatch) -> IO[bytes] | None:
    """The batch's file as a buffered stream read from the database, or None once cleared."""
    size = db.session.scalar(
        select(func.length(ImportBatch.content)).where(ImportBatch.id == batch.id)
    )
    if size is None:
        return None
    return io.BufferedReader(_StoredContent(batch.id, size), buffer_size=SLICE_BYTES)
