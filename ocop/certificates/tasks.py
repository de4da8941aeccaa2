"""Background tasks of the certificates (django-tasks; the database worker runs them: `manage.py
db_worker`).

`expire_certificates` is the daily job. With the database worker it schedules itself: each run queues
the next one for 00:05 tomorrow, and `manage.py ocop_expire --schedule` (run by `make run`) starts the
chain when none is waiting. Cron works too (`5 0 * * * … manage.py ocop_expire`). Every run is
idempotent, so an extra one sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import default_task_backend, task

DAILY_AT = dt.time(0, 5)


@task()
def expire_certificates() -> dict:
    """Expire certificates and send the re-evaluation reminders that are due (see services)."""
    from .services import expire_and_remind

    counts = expire_and_remind()
    schedule_daily()
    return counts


def schedule_daily() -> bool:
    """Queue the next daily run (00:05 tomorrow, local time) unless one is already waiting. Only with a
    backend that can defer tasks (the database worker); returns whether a run was queued."""
    if not default_task_backend.supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=expire_certificates.module_path, status="READY")
    if waiting.exists():
        return False
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    when = timezone.make_aware(dt.datetime.combine(tomorrow, DAILY_AT))
    expire_certificates.using(run_after=when).enqueue()
    return True


@task()
def send_reminder(reminder_id: int) -> int:
    """E-mail one reminder (in Vietnamese) to its recipients; returns how many were sent."""
    from ocop.certificates import qr, rules

    from .models import Reminder

    reminder = Reminder.objects.select_related("certificate__entity__commune").get(pk=reminder_id)
    if not reminder.recipients:
        return 0
    certificate = reminder.certificate
    opens, closes = rules.reevaluation_window(
        certificate.expires_on, settings.OCOP_REEVALUATION_OPENS_DAYS, settings.OCOP_REEVALUATION_CLOSES_DAYS
    )
    context = {
        "certificate": certificate,
        "opens": opens,
        "closes": closes,
        "verify_url": qr.verify_url(certificate.number),
    }
    with translation.override("vi"):
        subject = render_to_string(f"certificates/email/{reminder.kind}_subject.txt", context).strip()
        body = render_to_string(f"certificates/email/{reminder.kind}.txt", context)
    return send_mail(" ".join(subject.split()), body, None, reminder.recipients)
