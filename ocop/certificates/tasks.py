"""Background tasks of the certificates (django-tasks; the database worker runs them: `manage.py
db_worker`).

`expire_certificates` is the daily job; schedule it once a day, e.g. with cron:
    5 0 * * *  cd /srv/ocop && .venv/bin/python manage.py ocop_expire
or enqueue it from any scheduler (`expire_certificates.enqueue()`), for the worker to run. Both are
idempotent, so an extra run sends nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task


@task()
def expire_certificates() -> dict:
    """Expire certificates and send the re-evaluation reminders that are due (see services)."""
    from .services import expire_and_remind

    return expire_and_remind()


@task()
def send_reminder(reminder_id: int) -> int:
    """E-mail one reminder (in Vietnamese) to its recipients; returns how many were sent."""
    from ocop.certificates import rules

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
        "site": getattr(settings, "OCOP_SITE_URL", ""),
    }
    with translation.override("vi"):
        subject = render_to_string(f"certificates/email/{reminder.kind}_subject.txt", context).strip()
        body = render_to_string(f"certificates/email/{reminder.kind}.txt", context)
    return send_mail(" ".join(subject.split()), body, None, reminder.recipients)
