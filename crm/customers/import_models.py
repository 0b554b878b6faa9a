"""Customer imports: each upload (batch), its stored file parts and rows, and the saved column
templates."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.jobs.models import BackgroundJob


class ImportStatus(StrEnum):
    UPLOADED = "uploaded"
    CHECKED = "checked"
    COMMITTED = "committed"
    UNDONE = "undone"


class ImportMode(StrEnum):
    #: any bad row and nothing is imported
    ALL_OR_NOTHING = "all_or_nothing"
    #: good rows are imported, bad ones reported
    SKIP_INVALID = "skip_invalid"


class ImportBatch(db.Model):
    """One upload of customers: checked by a dry run, then committed, and undoable as a whole."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint(column("status").in_([s.value for s in ImportStatus]), name="status_known"),
        CheckConstraint(column("mode").in_([m.value for m in ImportMode]), name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    #: one of ImportStatus
    status: Mapped[str] = mapped_column(String(12), default=ImportStatus.UPLOADED.value)
    #: one of ImportMode
    mode: Mapped[str] = mapped_column(String(20), default=ImportMode.ALL_OR_NOTHING.value)
    #: column index (as text) -> customer field, as chosen for the dry run
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: the last dry run's (then the commit's) counts per outcome, see ``import_plan.summarise``
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    #: the commit's checkpoint: every row up to this line of the file is committed, so a
    #: commit resumed after a crash starts after it
    committed_through: Mapped[int] = mapped_column(Integer, default=0)
    #: the dry run, commit or undo working on it now or last
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    job: Mapped[BackgroundJob | None] = relationship()


class ImportFilePart(db.Model):
    """One slice of an import's uploaded file, kept in the database so that the scheduler (on
    any host) can work it; written and read a part at a time (``import_store``), deleted once
    the import is committed. Parts, not one column: neither database then builds or loads the
    whole file for one statement."""

    __tablename__ = "import_file_parts"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True
    )
    #: the part's place in the file, from 0; every part but the last is full
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRow(db.Model):
    """What one line of an import's file did (dry run) or does (commit), written in chunks so
    neither the planner nor the pages hold a whole file's outcomes."""

    __tablename__ = "import_rows"
    __table_args__ = (Index("ix_import_rows_outcome", "batch_id", "action", "line"),)

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True
    )
    #: the line in the file where the row starts (the header is line 1)
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: create, update, unchanged, duplicate, conflict or reject (``import_plan``)
    action: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    #: short code of a rejection (name, phone, email, tier, invalid)
    reason: Mapped[str] = mapped_column(String(20), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    #: warnings, one per line of text
    warnings: Mapped[str] = mapped_column(Text, default="")
    warning_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    #: the customer the phone names (update, unchanged, conflict)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    #: committed updates: the fields this row changed, as they were before it
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: committed updates: the customer's version right after this row
    version: Mapped[int | None] = mapped_column(Integer)


class ImportTemplate(db.Model):
    """A named column mapping for files from one source (a system's export), by column title."""

    __tablename__ = "import_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    #: where such files come from, in the user's words (e.g. "旧 CRM 导出")
    source: Mapped[str] = mapped_column(String(100), default="")
    #: column title -> customer field
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
