"""The import's dry run, commit and undo as background jobs, worked by the scheduler.

The pages only queue these; the scheduler's runner (``crm.jobs``) claims each job and calls its
handler here, which commits a chunk of rows at a time through the job's ``progress``. A job
claimed again after its worker died runs the handler again: the dry run starts over (it changes
no customer), the commit resumes after its checkpoint, the undo is one transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select

from crm.auth.models import User
from crm.customers import import_commit, import_undo, imports
from crm.customers.import_models import ImportBatch, ImportStatus
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.jobs.models import BackgroundJob
from crm.jobs.services import Handler, Progress, enqueue

CHECK = "customers.import_check"
COMMIT = "customers.import_commit"
UNDO = "customers.import_undo"


def _refuse_while_busy(batch: ImportBatch) -> None:
    if batch.job is not None and batch.job.is_open:
        raise DomainError(_l("This import is being worked on; wait until it is done."))


def queue_check(
    *, actor: User, batch: ImportBatch, mapping: dict[str, str], mode: str
) -> BackgroundJob:
    """Queue a dry run with this mapping and mode (checked now, so a mistake shows at once)."""
    _refuse_while_busy(batch)
    imports.choose(actor=actor, batch=batch, mapping=mapping, mode=mode)
    runs = db.session.scalar(
        select(func.count()).where(BackgroundJob.idempotency_key.like(f"import:{batch.id}:check:%"))
    )
    batch.job = enqueue(
        kind=CHECK,
        key=f"import:{batch.id}:check:{runs + 1}",
        actor=actor,
        payload={"batch_id": batch.id},
    )
    db.session.flush()
    return batch.job


def queue_commit(*, actor: User, batch: ImportBatch) -> BackgroundJob:
    """Queue the commit of a checked import (once: a second click finds the same job)."""
    imports.require_manager(actor)
    if batch.status != ImportStatus.CHECKED:
        raise DomainError(_l("Run the dry run before committing."))
    if batch.job is None or batch.job.kind != COMMIT:
        _refuse_while_busy(batch)
    batch.job = enqueue(
        kind=COMMIT, key=f"import:{batch.id}:commit", actor=actor, payload={"batch_id": batch.id}
    )
    db.session.flush()
    return batch.job


def queue_undo(*, actor: User, batch: ImportBatch) -> BackgroundJob:
    """Queue the undo of a committed import (once)."""
    imports.require_manager(actor)
    if batch.status != ImportStatus.COMMITTED:
        raise DomainError(_l("Only a committed import can be undone."))
    if batch.job is None or batch.job.kind != UNDO:
        _refuse_while_busy(batch)
    batch.job = enqueue(
        kind=UNDO, key=f"import:{batch.id}:undo", actor=actor, payload={"batch_id": batch.id}
    )
    db.session.flush()
    return batch.job


def _subject(job: BackgroundJob) -> tuple[User, ImportBatch]:
    return db.session.get(User, job.actor_id), db.session.get(ImportBatch, job.payload["batch_id"])


def run_check(job: BackgroundJob, progress: Progress) -> None:
    actor, batch = _subject(job)
    imports.dry_run(
        actor=actor, batch=batch, mapping=batch.mapping, mode=batch.mode, checkpoint=progress
    )


def run_commit(job: BackgroundJob, progress: Progress) -> None:
    actor, batch = _subject(job)
    if batch.status == ImportStatus.COMMITTED:  # finished just before its worker died
        return
    import_commit.commit_import(actor=actor, batch=batch, checkpoint=progress)


def run_undo(job: BackgroundJob, progress: Progress) -> None:
    actor, batch = _subject(job)
    if batch.status == ImportStatus.UNDONE:
        return
    result = import_undo.undo_import(actor=actor, batch=batch)
    batch.summary = {**batch.summary, "undo": {**result, "refused": result["refused"][:1000]}}
    done = result["deleted"] + result["restored"] + len(result["refused"])
    progress(done, done)


#: the handlers the scheduler's job runner dispatches to, by kind
HANDLERS: dict[str, Handler] = {CHECK: run_check, COMMIT: run_commit, UNDO: run_undo}
