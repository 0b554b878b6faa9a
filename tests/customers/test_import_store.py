"""The uploaded file kept in the database a part at a time and read back a part per query."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from crm.customers import import_store
from crm.customers.models import ImportBatch, ImportFilePart
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
