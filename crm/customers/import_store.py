"""An import's uploaded file, read from the database a slice at a time.

The file is kept in ``import_batches.content`` so that the scheduler, on any host, can work it.
Loaded whole it was as large as the file (about 90 MB for a million rows) for the whole of a
dry run or commit; read through ``stored_file`` only one buffer of it is held at a time.
"""

from __future__ import annotations

import io
from typing import IO

from sqlalchemy import LargeBinary, func, select, update

from crm.customers.models import ImportBatch
from crm.extensions import db

#: bytes fetched per query
SLICE_BYTES = 1024 * 1024


class _StoredContent(io.RawIOBase):
    """A seekable read-only stream over one batch's content column, a slice per query."""

    def __init__(self, batch_id: int, size: int) -> None:
        super().__init__()
        self._batch_id, self._size, self._position = batch_id, size, 0
        #: the last slice fetched and where it starts: the text reader asks 8 KB at a time
        self._slice, self._slice_start = b"", 0

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
        offset = self._position - self._slice_start
        if not 0 <= offset < len(self._slice):
            if self._position >= self._size:
                return 0
            self._slice, self._slice_start, offset = self._fetch(self._position), self._position, 0
        data = self._slice[offset : offset + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _fetch(self, position: int) -> bytes:
        bind = db.session.connection()
        if bind.dialect.name == "sqlite":
            # Incremental blob I/O reads only the pages asked for; substr() would load the
            # whole file into SQLite's memory for every slice.
            with bind.connection.driver_connection.blobopen(
                ImportBatch.__tablename__, "content", self._batch_id, readonly=True
            ) as blob:
                blob.seek(position)
                return blob.read(SLICE_BYTES)
        piece = db.session.scalar(
            select(
                func.substr(ImportBatch.content, position + 1, SLICE_BYTES, type_=LargeBinary)
            ).where(ImportBatch.id == self._batch_id)
        )
        return bytes(piece or b"")


def keep_file(batch: ImportBatch, data: bytes | IO[bytes]) -> None:
    """Store the uploaded file in the (flushed) batch.

    On SQLite a stream is copied a slice at a time into a blob of its size, so that neither
    this process nor the driver holds the whole file. PostgreSQL's driver takes it whole.
    """
    bind = db.session.connection()
    if isinstance(data, bytes) or bind.dialect.name != "sqlite":
        if not isinstance(data, bytes):
            data.seek(0)
            data = data.read()
        db.session.execute(
            update(ImportBatch).where(ImportBatch.id == batch.id).values(content=data)
        )
        return
    size = data.seek(0, io.SEEK_END)
    data.seek(0)
    db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id).values(content=func.zeroblob(size))
    )
    # The session's own connection: the batch's row is not committed yet.
    with bind.connection.driver_connection.blobopen(
        ImportBatch.__tablename__, "content", batch.id
    ) as blob:
        while piece := data.read(SLICE_BYTES):
            blob.write(piece)


def has_file(batch: ImportBatch) -> bool:
    """Whether the batch still keeps its file (cleared once committed), without loading it."""
    return bool(
        db.session.scalar(
            select(ImportBatch.content.is_not(None)).where(ImportBatch.id == batch.id)
        )
    )


def stored_file(batch: ImportBatch) -> IO[bytes] | None:
    """The batch's file as a stream read from the database, or None once cleared."""
    size = db.session.scalar(
        select(func.length(ImportBatch.content)).where(ImportBatch.id == batch.id)
    )
    if size is None:
        return None
    return io.BufferedReader(_StoredContent(batch.id, size))
