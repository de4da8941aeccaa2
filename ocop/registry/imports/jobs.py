"""The bodies of the two background tasks of an import (ocop.registry.tasks), their progress and
their heartbeat.

1. **Check** (run_check, the dry run): read the stored file, plan it (plan.py) and record every error,
   or the plan "N to create, M to update, K unchanged". Nothing is written to the registry.
2. **Write** (run_write), after the officer confirms: the rows are checked again against the database as
   it is now (it may have changed since the check), then written all-or-nothing in one transaction
   (write.py).

The rows step 1 parsed and checked are kept next to the upload (`<file>.checked.json`), so step 2
checks them against the database without parsing the file again; without that file it reads the upload.

Progress: the check runs outside any transaction and saves `processed_rows` every PROGRESS_EVERY
rows, so the page's poller sees it at once. The write runs inside one transaction, where such an
update would stay invisible to the poller (PostgreSQL) or block on the write lock (SQLite); on
PostgreSQL the progress of the write is therefore saved through a second, autocommit connection,
which never touches a row the write transaction has locked (the job row is updated by the
transaction only at its very end). On SQLite the bar of the write jumps to 100 % at commit.
"""

from __future__ import annotations

import datetime
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportJob
from ..spreadsheets.cells import ParsedRow
from ..spreadsheets.columns import LAYOUTS
from ..spreadsheets.errors import FileProblem, RowError
from ..spreadsheets.reading import read_rows
from .messages import MESSAGES
from .plan import Checked, Progress, Rows, check_rows, plan_rows
from .write import apply_plan

logger = logging.getLogger(__name__)

MAX_ERRORS = 10_000  # errors kept on the job; the count of all of them is kept too
STALE_AFTER = datetime.timedelta(minutes=15)  # a running task shows a sign of life every few seconds
WAITING_HINT_AFTER = datetime.timedelta(minutes=1)


def give_up_if_stalled(job: ImportJob) -> ImportJob:
    """Mark a job failed when its task has shown no sign of life for STALE_AFTER: the worker was
    stopped or restarted mid-way (a development worker reloads on every code change). The write is
    one transaction, so such a job wrote nothing. A task that is in fact alive and finishes later
    still records its real outcome."""
    running = (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
    if job.status not in running:
        return job
    cutoff = timezone.now() - STALE_AFTER
    stalled = ImportJob.objects.filter(pk=job.pk, status=job.status).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    message = _("The background work stopped before the end; nothing was written. Upload the file again.")
    if stalled.update(status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now()):
        job.refresh_from_db()
    return job


def waiting_too_long(job: ImportJob) -> bool:
    """A job no worker has taken up for a while: the page says so (is `manage.py db_worker` running?)."""
    return job.status == ImportJob.Status.PENDING and job.created_at < timezone.now() - WAITING_HINT_AFTER


# --- The checked rows, kept between the two tasks -----------------------------------------------

CACHE_VERSION = 1


def _read_job_file(job: ImportJob) -> Rows:
    with job.file.open("rb") as fh:
        data = fh.read()
    if len(data) > settings.OCOP_IMPORT_MAX_BYTES:
        raise FileProblem("too_large", max=settings.OCOP_IMPORT_MAX_BYTES // (1024 * 1024))
    _fmt, rows = read_rows(data)
    return rows


def _cache_name(job: ImportJob) -> str:
    return f"{job.file.name}.checked.json"


def _save_checked(job: ImportJob, checked: Checked) -> None:
    """Keep the rows the dry run parsed, so that the write re-checks them against the database
    without reading and parsing the file again."""
    payload = {
        "version": CACHE_VERSION, "kind": job.kind, "header_row": checked.header_row,
        "labels": checked.labels, "total": checked.total, "rows": [row.to_json() for row in checked.rows],
    }  # fmt: skip
    name = _cache_name(job)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(json.dumps(payload, ensure_ascii=False).encode()))


def _load_checked(job: ImportJob) -> Checked | None:
    name = _cache_name(job)
    try:
        if not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as fh:
            payload = json.load(fh)
    except (OSError, ValueError):
        return None
    if payload.get("version") != CACHE_VERSION or payload.get("kind") != job.kind:
        return None
    layout = LAYOUTS[job.kind]
    rows = [ParsedRow.from_json(layout, row) for row in payload["rows"]]
    return Checked(payload["header_row"], payload["labels"], rows, [], payload["total"])


def _drop_checked(job: ImportJob) -> None:
    name = _cache_name(job)
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except OSError:  # a leftover file is harmless
        logger.warning("could not delete %s", name)


# --- Progress -----------------------------------------------------------------------------------


class WriteProgress:
    """Saves the progress of the write transaction where the page's poller can see it.

    Inside the transaction an ORM update of the job would stay invisible until commit (PostgreSQL) or
    wait for the write lock the transaction holds (SQLite). On PostgreSQL a second connection in
    autocommit mode saves it; on other databases nothing is saved until the end.
    """

    def __init__(self, job_id: int | None):
        self.job_id = job_id
        self.connection = None
        if job_id is not None and connections["default"].vendor == "postgresql":
            self.connection = connections.create_connection("default")

    def __call__(self, count: int) -> None:
        if self.connection is None:
            return
        table = self.connection.ops.quote_name(ImportJob._meta.db_table)
        sql = f"UPDATE {table} SET processed_rows = %s, heartbeat_at = now() WHERE id = %s"  # noqa: S608
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, [count, self.job_id])
        except DatabaseError:  # progress is a nicety: never let it break the import
            logger.warning("could not save the progress of import %s", self.job_id, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _job_progress(job_id: int) -> Progress:
    def save(count: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=count, heartbeat_at=timezone.now())

    return save


# --- The two tasks' bodies ----------------------------------------------------------------------


def _save_errors(job: ImportJob, errors: list[RowError]) -> None:
    job.error_count = len(errors)
    job.errors = [e.as_dict() for e in errors[:MAX_ERRORS]]


def run_check(job_id: int) -> ImportJob:
    """The dry run: read and check the file, then record the errors or the plan's counts."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.CHECKING):
        return job
    job.status = ImportJob.Status.CHECKING
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "heartbeat_at"])
    try:
        try:
            rows = _read_job_file(job)
        except FileProblem as problem:
            _finish(job, ImportJob.Status.INVALID, errors=[problem.as_error()])
            return job
        job.total_rows = max(0, len(rows) - 1)  # until the header is found
        job.save(update_fields=["total_rows"])
        progress = _job_progress(job.pk)
        checked = check_rows(job.kind, rows, progress)
        job.total_rows = checked.total
        plan = plan_rows(job.kind, checked, job.created_by)
        if not plan.ok:
            _finish(job, ImportJob.Status.INVALID, errors=plan.errors)
            return job
        _save_checked(job, checked)
        job.created_count, job.updated_count, job.unchanged_count = plan.created, plan.updated, plan.unchanged
        _finish(job, ImportJob.Status.CHECKED, errors=[])
    except Exception:
        logger.exception("import %s: the check failed", job_id)
        _finish(job, ImportJob.Status.FAILED, message=_("The check stopped on an unexpected error."))
        raise
    return job


def run_write(job_id: int) -> ImportJob:
    """Check the rows again against the database as it is now, then write them all or nothing."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    user = job.created_by
    progress = WriteProgress(job.pk)
    try:
        checked = _load_checked(job)
        if checked is None:  # kept rows lost: read and check the file again
            try:
                checked = check_rows(job.kind, _read_job_file(job))
            except FileProblem as problem:
                _finish(job, ImportJob.Status.INVALID, errors=[problem.as_error()])
                return job
        # The bar: checking again fills the first half, writing the second.
        half = _job_progress(job.pk)
        plan = plan_rows(job.kind, checked, user, build=True, progress=lambda n: half(n // 2))
        if not plan.ok:
            message = str(MESSAGES["changed_since_check"] % {"detail": _("see the errors below")})
            _finish(job, ImportJob.Status.INVALID, errors=plan.errors, message=message)
            return job
        note = f"{job.original_name} (#{job.pk})"
        with transaction.atomic():
            created, updated = apply_plan(
                plan, user, note=note, progress=lambda n: progress(plan.total // 2 + n // 2)
            )
            progress.close()  # before the job row is touched in this transaction
            job.created_count, job.updated_count, job.unchanged_count = created, updated, plan.unchanged
            job.total_rows = plan.total
            _finish(job, ImportJob.Status.DONE, errors=[])
    except Exception as exc:
        logger.exception("import %s: the write failed", job_id)
        message = _("The import was rolled back: nothing was written. Reason: %(reason)s") % {"reason": exc}
        _finish(job, ImportJob.Status.FAILED, message=message[:2000])
        raise
    finally:
        progress.close()
        _drop_checked(job)  # done, refused or failed: a new upload starts again from the file
    return job


def _finish(job: ImportJob, status: str, errors: list | None = None, message: str | None = None) -> None:
    job.status = status
    if errors is not None:
        _save_errors(job, errors)
    if message is not None:
        job.message = message
    if status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE):
        job.processed_rows = job.total_rows
    if status in (ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.INVALID):
        job.finished_at = timezone.now()
    job.save()
