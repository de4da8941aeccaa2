"""Background tasks of the certificates (django-tasks; the database worker runs them: `manage.py
db_worker`): the reminder e-mails. The daily expiry job is the evaluation app's (it knows which
re-evaluations are pending)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from . import qr, rules
from .models import Reminder


@task()
def send_reminder(reminder_id: int) -> int:
    """E-mail one reminder (in Vietnamese) to its recipients; returns how many were sent."""
    reminder = Reminder.objects.select_related("certificate__producer__commune").get(pk=reminder_id)
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
        "opens_days": settings.OCOP_REEVALUATION_OPENS_DAYS,
        "closes_days": settings.OCOP_REEVALUATION_CLOSES_DAYS,
        "before_close": settings.OCOP_REMINDER_BEFORE_CLOSE_DAYS,
    }
    with translation.override("vi"):
        subject = render_to_string(f"certificates/email/{reminder.kind}_subject.txt", context).strip()
        body = render_to_string(f"certificates/email/{reminder.kind}.txt", context)
    return send_mail(" ".join(subject.split()), body, None, reminder.recipients)
