"""Background tasks of the evaluation process (django-tasks; the database worker runs them:
`manage.py db_worker`). Each task takes plain ids, so the queued arguments stay JSON.

`expire_certificates` is the daily job. With the database worker it schedules itself: each run queues
the next one for 00:05 tomorrow, and `manage.py ocop_expire --schedule` (run by `make run`) starts the
chain when none is waiting. Cron works too (`5 0 * * * … manage.py ocop_expire`). Every run is
idempotent, so an extra one sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks_db.models import DBTaskResult

from . import expiry, notifications


@task()
def notify_dossier(dossier_id: int, action: str) -> int:
    """E-mail the people concerned by one committed step of a dossier."""
    return notifications.send_dossier_mail(dossier_id, action)


DAILY_AT = dt.time(0, 5)


@task()
def expire_certificates() -> dict:
    """Expire certificates and send the re-evaluation reminders that are due (expiry.py)."""
    counts = expiry.expire_certificates()
    schedule_daily()
    return counts


def schedule_daily() -> bool:
    """Queue the next daily run (00:05 tomorrow, local time) unless one is already waiting. Only with a
    backend that can defer tasks (the database worker); returns whether a run was queued."""
    if not default_task_backend.supports_defer:
        return False
    waiting = DBTaskResult.objects.filter(task_path=expire_certificates.module_path, status="READY")
    if waiting.exists():
        return False
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    when = timezone.make_aware(dt.datetime.combine(tomorrow, DAILY_AT))
    expire_certificates.using(run_after=when).enqueue()
    return True
