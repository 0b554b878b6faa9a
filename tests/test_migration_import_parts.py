"""Migration 0018 on a database holding uploads waiting in the old content column: each file
becomes its 1 MB parts, byte for byte, and the downgrade puts the files back whole."""

from __future__ import annotations

import os
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import LargeBinary, column, func, select, table

from crm.customers import import_store
from crm.customers.import_models import ImportBatch, ImportFilePart
from crm.extensions import db
from tests.conftest import build_app, dispose
from tests.factories import make_user

#: import_batches as revision 0017 has it
OLD_BATCHES = table("import_batches", column("id"), column("content", LargeBinary()))


def test_waiting_files_move_into_parts_and_back(tmp_path: Path) -> None:
    app = build_app(f"sqlite:///{tmp_path / 'old.db'}")
    large = os.urandom(import_store.SLICE_BYTES * 5 // 2)
    try:
        with app.app_context():
            upgrade()
            boss = make_user(username="old.boss", roles=["supervisor"])
            batches = [
                ImportBatch(filename=name, created_by_id=boss.id)
                for name in ("large.csv", "empty.csv", "committed.csv")
            ]
            db.session.add_all(batches)
            db.session.commit()
            large_id, empty_id, committed_id = (batch.id for batch in batches)
            db.session.remove()
            downgrade(revision="0017")

            for batch_id, content in ((large_id, large), (empty_id, b""), (committed_id, None)):
                db.session.execute(
                    OLD_BATCHES.update().where(OLD_BATCHES.c.id == batch_id).values(content=content)
                )
            db.session.commit()
            db.session.remove()

            upgrade()

            parts = db.session.execute(
                select(ImportFilePart.batch_id, func.length(ImportFilePart.data)).order_by(
                    ImportFilePart.batch_id, ImportFilePart.seq
                )
            ).all()
            part = import_store.SLICE_BYTES
            assert parts == [
                (large_id, part),
                (large_id, part),
                (large_id, part // 2),
                (empty_id, 0),
            ]
            assert import_store.stored_file(db.session.get(ImportBatch, large_id)).read() == large
            assert not import_store.has_file(db.session.get(ImportBatch, committed_id))
            db.session.remove()

            downgrade(revision="0017")

            contents = dict(
                db.session.execute(select(OLD_BATCHES.c.id, OLD_BATCHES.c.content)).all()
            )
            assert contents == {large_id: large, empty_id: b"", committed_id: None}
    finally:
        dispose(app)
