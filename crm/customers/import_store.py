"""An import's uploaded file, kept in the database a part at a time.

The file lives in ``import_file_parts`` so that the scheduler, on any host, can work it. Written
and read one part (``SLICE_BYTES``) per statement, neither this process nor the database ever
holds more of it than that: one column holding the whole file made SQLite build a zero blob of
its size in memory (about 200 MB for a 92 MB file) and the PostgreSQL path read it whole.
"""

from __future__ import annotations

import io
from typing import IO

from sqlalchemy import delete, exists, func, insert, select

from crm.customers.import_models import ImportBatch, ImportFilePart
from crm.extensions import db

#: bytes per part, written and fetched by one statement
SLICE_BYTES = 1024 * 1024


class MissingPartError(RuntimeError):
    """A part of a kept file is gone (deleted while a job read it): the job fails, loudly."""


class _StoredParts(io.RawIOBase):
    """A seekable read-only stream over one batch's parts, a part per query."""

    def __init__(self, batch_id: int, size: int, part_bytes: int) -> None:
        super().__init__()
        self._batch_id, self._size, self._position = batch_id, size, 0
        #: the size of the parts as written, which a later change of SLICE_BYTES does not move
        self._part_bytes = part_bytes
        #: the last part fetched: the text reader asks 8 KB at a time
        self._part, self._part_seq = b"", -1

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
        if self._position >= self._size:
            return 0
        seq, offset = divmod(self._position, self._part_bytes)
        if seq != self._part_seq:
            # Dropped before the next one comes, so only one part is ever held.
            self._part = b""
            self._part = self._fetch(seq)
            self._part_seq = seq
        data = self._part[offset : offset + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _fetch(self, seq: int) -> bytes:
        data = db.session.scalar(
            select(ImportFilePart.data).where(
                ImportFilePart.batch_id == self._batch_id, ImportFilePart.seq == seq
            )
        )
        if data is None:
            # Read as the end of the file, a lost part would make the job work half a file.
            raise MissingPartError(f"import {self._batch_id} has lost part {seq} of its file")
        return bytes(data)


def keep_file(batch: ImportBatch, data: bytes | IO[bytes]) -> None:
    """Store the uploaded file for the (flushed) batch, one part per statement, holding no more
    than one part of it at a time.

    :param data: the file's bytes, or the upload's seekable stream (read from its start).
    """
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    stream.seek(0)
    seq = 0
    # An empty file still gets its (empty) first part, so has_file tells it from a committed
    # import's.
    while (piece := _next_part(stream)) or not seq:
        # A Core statement, executed at once: no ORM object keeps the part alive afterwards.
        db.session.execute(insert(ImportFilePart).values(batch_id=batch.id, seq=seq, data=piece))
        seq += 1


def _next_part(stream: IO[bytes]) -> bytes:
    """The next SLICE_BYTES of the stream, fewer only at its end: a reader finds a position's
    part by dividing, so every part but the last must be full, even if a read returns short."""
    piece = stream.read(SLICE_BYTES)
    while piece and len(piece) < SLICE_BYTES and (more := stream.read(SLICE_BYTES - len(piece))):
        piece += more
    return piece


def has_file(batch: ImportBatch) -> bool:
    """Whether the batch still keeps its file (cleared once committed), without loading it."""
    return bool(db.session.scalar(select(exists().where(ImportFilePart.batch_id == batch.id))))


def stored_file(batch: ImportBatch) -> IO[bytes] | None:
    """The batch's file as a stream read from the database, or None once cleared."""
    # length() reads neither SQLite's overflow pages nor PostgreSQL's TOAST: no part is loaded.
    length = func.length(ImportFilePart.data)
    parts, size, largest = db.session.execute(
        select(func.count(), func.coalesce(func.sum(length), 0), func.max(length)).where(
            ImportFilePart.batch_id == batch.id
        )
    ).one()
    if not parts:
        return None
    # Every part but the last is full, so the largest is the size they were written at.
    return io.BufferedReader(_StoredParts(batch.id, int(size), max(int(largest), 1)))


def clear_file(batch: ImportBatch) -> None:
    """Delete the batch's file (once committed) by one statement, loading none of its parts."""
    db.session.execute(
        delete(ImportFilePart)
        .where(ImportFilePart.batch_id == batch.id)
        .execution_options(synchronize_session=False)
    )
