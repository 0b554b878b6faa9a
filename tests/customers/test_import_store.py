"""The uploaded file kept in the database a part at a time and read back a part per query."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from crm.customers import import_commit, import_store, imports
from crm.customers.import_models import ImportBatch, ImportFilePart
from crm.customers.models import Customer
from crm.extensions import db
from tests.factories import make_user


def new_batch() -> ImportBatch:
    batch = ImportBatch(filename="a.csv", created_by_id=make_user(username="boss").id)
    db.session.add(batch)
    db.session.flush()
    return batch


def part_sizes(batch: ImportBatch) -> list[int]:
    return list(
        db.session.scalars(
            select(func.length(ImportFilePart.data))
            .where(ImportFilePart.batch_id == batch.id)
            .order_by(ImportFilePart.seq)
        )
    )


@pytest.mark.parametrize("as_stream", [True, False])
def test_a_file_reads_back_whole_across_parts_and_seeks(ctx, monkeypatch, as_stream) -> None:
    monkeypatch.setattr(import_store, "SLICE_BYTES", 1000)
    data = os.urandom(4567) + b"\x00" * 10
    batch = new_batch()
    import_store.keep_file(batch, io.BytesIO(data) if as_stream else data)
    db.session.commit()  # read in a later transaction, as the scheduler does
    assert part_sizes(batch) == [1000] * 4 + [577]
    stream = import_store.stored_file(batch)
    assert stream.read() == data
    assert stream.seek(-22, io.SEEK_END) == len(data) - 22
    assert stream.read(12) == data[-22:-10]
    stream.seek(999)
    assert stream.read(3) == data[999:1002]
    assert import_store.has_file(batch)
    import_store.clear_file(batch)
    db.session.flush()
    assert import_store.stored_file(batch) is None and not import_store.has_file(batch)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_an_import_reads_its_file_across_parts_and_the_commit_deletes_them(
    ctx, monkeypatch, encoding
) -> None:
    # Parts of 64 bytes: the Chinese names' bytes fall across part boundaries.
    monkeypatch.setattr(import_store, "SLICE_BYTES", 64)
    boss = make_user(username="boss", roles=["supervisor"])
    rows = "".join(f"客户{n:02d}号,138001380{n:02d}\n" for n in range(30))
    data = f"姓名,手机\n{rows}".encode(encoding)
    batch, _ = imports.start_import(actor=boss, filename="客户.csv", data=io.BytesIO(data))
    db.session.commit()
    assert len(part_sizes(batch)) == -(-len(data) // 64) > 2
    imports.dry_run(actor=boss, batch=batch, mapping=batch.mapping, mode="skip_invalid")
    import_commit.commit_import(actor=boss, batch=batch)
    db.session.commit()
    names = set(db.session.scalars(select(Customer.name)))
    assert names == {f"客户{n:02d}号" for n in range(30)}
    assert part_sizes(batch) == [] and not import_store.has_file(batch)
    assert import_store.stored_file(batch) is None


def test_a_file_of_two_and_a_half_parts_is_three_parts_read_back_exactly(ctx) -> None:
    size = import_store.SLICE_BYTES * 5 // 2
    data = os.urandom(size)
    batch = new_batch()
    import_store.keep_file(batch, io.BytesIO(data))
    db.session.commit()
    assert part_sizes(batch) == [import_store.SLICE_BYTES] * 2 + [size // 5]
    stream = import_store.stored_file(batch)
    assert stream.read() == data
    # Back to the start, as the readers do after guessing the encoding, and across a boundary.
    assert stream.seek(0) == 0
    assert stream.read(100) == data[:100]
    boundary = import_store.SLICE_BYTES * 2
    stream.seek(boundary - 5)
    assert stream.read(10) == data[boundary - 5 : boundary + 5]
    assert stream.seek(-3, io.SEEK_END) == size - 3 and stream.read() == data[-3:]
    assert stream.read() == b""


def test_parts_are_read_at_the_size_they_were_written(ctx, monkeypatch) -> None:
    data = os.urandom(2500)
    batch = new_batch()
    monkeypatch.setattr(import_store, "SLICE_BYTES", 1000)
    import_store.keep_file(batch, data)
    monkeypatch.setattr(import_store, "SLICE_BYTES", 4096)  # a later release's size
    stream = import_store.stored_file(batch)
    stream.seek(1500)
    assert stream.read() == data[1500:]


class Trickle(io.RawIOBase):
    """An upload stream that returns at most 300 bytes a read, as a socket may."""

    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._at = offset
        return offset

    def readinto(self, buffer) -> int:  # type: ignore[override]
        piece = self._data[self._at : self._at + min(len(buffer), 300)]
        buffer[: len(piece)] = piece
        self._at += len(piece)
        return len(piece)


def test_short_reads_still_fill_every_part_but_the_last(ctx, monkeypatch) -> None:
    monkeypatch.setattr(import_store, "SLICE_BYTES", 1000)
    data = os.urandom(2500)
    batch = new_batch()
    import_store.keep_file(batch, Trickle(data))
    assert part_sizes(batch) == [1000, 1000, 500]
    assert import_store.stored_file(batch).read() == data


def test_an_empty_file_is_kept_as_one_empty_part(ctx) -> None:
    batch = new_batch()
    import_store.keep_file(batch, b"")
    assert import_store.has_file(batch) and part_sizes(batch) == [0]
    assert import_store.stored_file(batch).read() == b""


def test_deleting_a_batch_deletes_its_parts(ctx, monkeypatch) -> None:
    monkeypatch.setattr(import_store, "SLICE_BYTES", 1000)
    batch = new_batch()
    import_store.keep_file(batch, os.urandom(2500))
    db.session.commit()
    db.session.delete(batch)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ImportFilePart)) == 0


def test_a_lost_part_fails_the_read_instead_of_ending_the_file_early(ctx, monkeypatch) -> None:
    monkeypatch.setattr(import_store, "SLICE_BYTES", 1000)
    batch = new_batch()
    import_store.keep_file(batch, os.urandom(3500))
    db.session.execute(
        ImportFilePart.__table__.delete().where(
            ImportFilePart.batch_id == batch.id, ImportFilePart.seq == 1
        )
    )
    stream = import_store.stored_file(batch)
    assert len(stream.read(1000)) == 1000
    with pytest.raises(import_store.MissingPartError):
        stream.read(1000)
