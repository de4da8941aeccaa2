"""Expiry and reminders (`ocop_expire`): idempotent, late runs still send what fell due (once), the
re-evaluation window's edges, and the late filer's grace (Art. 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate, CertificateStatus, Reminder
from ocop.evaluation.expiry import expire_certificates as expire_and_remind
from ocop.evaluation.models import RequestType
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import Product, ProductStatus
from tests.certificates.test_services import make_certificate
from tests.evaluation.factories import dossier_at
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = dt.date
DAY = dt.timedelta(days=1)
ISSUED = D(2026, 1, 15)
EXPIRES = D(2029, 1, 15)


@pytest.fixture
def cert():
    c = make_certificate(stars=4, issued_on=ISSUED)
    make_user(Role.PRODUCER, producer=c.producer, email="hoptac@example.vn")
    make_user(Role.COMMUNE_OFFICER, commune=c.producer.commune, email="xa@example.vn")
    make_user(Role.PRODUCER, producer=c.producer, email="")  # no address: skipped
    make_user(Role.PRODUCER, email="other@example.vn")  # another producer: never told
    return c


def status(c):
    return Certificate.objects.get(pk=c.pk).status


def test_expires_after_its_last_day_once(cert):
    assert cert.expires_on == EXPIRES
    assert expire_and_remind(EXPIRES)["expired"] == 0
    assert status(cert) == CertificateStatus.VALID
    counts = expire_and_remind(EXPIRES + DAY)
    assert counts["expired"] == 1 and counts["expired_notices"] == 1
    assert status(cert) == CertificateStatus.EXPIRED
    assert Product.objects.get(pk=cert.product_id).status == ProductStatus.EXPIRED
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["hoptac@example.vn", "xa@example.vn"]
    assert "hết hiệu lực" in mail.outbox[0].subject
    again = expire_and_remind(EXPIRES + DAY)
    assert not any(again.values()) and len(mail.outbox) == 1


def test_window_opening_reminder_edges_and_once(cert):
    assert expire_and_remind(EXPIRES - 181 * DAY)["window_opens"] == 0
    assert expire_and_remind(EXPIRES - 180 * DAY)["window_opens"] == 1
    assert len(mail.outbox) == 1 and "đánh giá lại" in mail.outbox[0].subject
    assert "19/07/2028" in mail.outbox[0].body and "17/09/2028" in mail.outbox[0].body
    assert expire_and_remind(EXPIRES - 180 * DAY)["window_opens"] == 0
    assert expire_and_remind(EXPIRES - 170 * DAY)["window_opens"] == 0
    assert len(mail.outbox) == 1
    assert Reminder.objects.filter(certificate=cert, kind=Reminder.Kind.WINDOW_OPENS).count() == 1


def test_window_closing_reminder_30_days_before_close(cert):
    expire_and_remind(EXPIRES - 180 * DAY)
    assert expire_and_remind(EXPIRES - 151 * DAY)["window_closing"] == 0
    assert expire_and_remind(EXPIRES - 150 * DAY)["window_closing"] == 1
    assert expire_and_remind(EXPIRES - 149 * DAY)["window_closing"] == 0
    assert [m.subject.startswith("Còn 30 ngày") for m in mail.outbox] == [False, True]


def test_no_reminder_once_the_window_closed(cert):
    counts = expire_and_remind(EXPIRES - 119 * DAY)
    assert counts["window_opens"] == counts["window_closing"] == 0 and not mail.outbox


def test_last_day_of_the_window_still_reminds(cert):
    counts = expire_and_remind(EXPIRES - 120 * DAY)
    assert counts["window_opens"] == 1 and counts["window_closing"] == 1


def test_late_run_sends_the_due_reminder_once(cert):
    # The job did not run for a week after the window opened.
    assert expire_and_remind(EXPIRES - 173 * DAY)["window_opens"] == 1
    assert expire_and_remind(EXPIRES - 172 * DAY)["window_opens"] == 0
    assert len(mail.outbox) == 1


def test_no_reminder_when_a_reevaluation_is_already_filed(cert):
    dossier_at(S.SUBMITTED, product=cert.product, request_type=RequestType.REEVALUATION)
    assert expire_and_remind(EXPIRES - 180 * DAY)["window_opens"] == 0 and not mail.outbox


def test_late_filer_kept_valid_up_to_180_days_then_expired(cert):
    dossier_at(S.AT_PROVINCE, product=cert.product, request_type=RequestType.REEVALUATION)
    counts = expire_and_remind(EXPIRES + DAY)
    assert counts == {**counts, "expired": 0, "kept_valid": 1}
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.VALID and cert.grace_until == EXPIRES + 180 * DAY
    assert expire_and_remind(EXPIRES + 180 * DAY)["expired"] == 0
    assert status(cert) == CertificateStatus.VALID
    from ocop.certificates.services import display_status

    assert display_status(Certificate.objects.get(pk=cert.pk), EXPIRES + 180 * DAY) == "valid"
    assert expire_and_remind(EXPIRES + 181 * DAY)["expired"] == 1
    assert status(cert) == CertificateStatus.EXPIRED
    assert Product.objects.get(pk=cert.product_id).status == ProductStatus.EXPIRED


def test_draft_or_finished_reevaluation_gives_no_grace(cert):
    dossier_at(S.DRAFT, product=cert.product, request_type=RequestType.REEVALUATION)
    assert expire_and_remind(EXPIRES + DAY)["expired"] == 1


def test_revoked_and_superseded_are_left_alone(cert):
    other = make_certificate(stars=3, issued_on=ISSUED, status=CertificateStatus.REVOKED)
    assert expire_and_remind(EXPIRES + DAY)["expired"] == 1
    assert status(other) == CertificateStatus.REVOKED


def test_command_and_task_are_idempotent(cert, capsys):
    call_command("ocop_expire", "--date", (EXPIRES + DAY).isoformat())
    assert "expired=1" in capsys.readouterr().out
    call_command("ocop_expire", "--date", (EXPIRES + DAY).isoformat())
    assert "expired=0" in capsys.readouterr().out
    assert len(mail.outbox) == 1
    from ocop.evaluation.tasks import expire_certificates

    result = expire_certificates.enqueue()
    assert result.return_value["expired"] == 0


def test_the_worker_runs_expiry_every_day_once(settings):
    """With the database worker, one daily run waits at a time: `ocop_expire --schedule` starts the chain
    and each run queues the next for 00:05 tomorrow."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from ocop.evaluation import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("ocop_expire", "--schedule")
    call_command("ocop_expire", "--schedule")
    waiting = DBTaskResult.objects.filter(task_path=tasks.expire_certificates.module_path, status="READY")
    assert waiting.count() == 1
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert timezone.localtime(waiting.get().run_after) == timezone.make_aware(
        dt.datetime.combine(tomorrow, dt.time(0, 5))
    )
    # the immediate backend (tests, or no worker) never queues
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert tasks.schedule_daily() is False


def test_reminders_link_the_certificates_public_page(cert, settings):
    settings.OCOP_PUBLIC_BASE_URL = "https://ocop.example.vn/"
    expire_and_remind(EXPIRES - 180 * DAY)
    expire_and_remind(EXPIRES - 150 * DAY)
    expire_and_remind(EXPIRES + DAY)
    assert len(mail.outbox) == 3
    link = f"https://ocop.example.vn/verify/{cert.number}"
    assert all(link in m.body for m in mail.outbox)


def test_reminder_texts_state_the_periods_the_settings_hold(cert, settings):
    """The periods are set once: the e-mails say what the settings hold, not numbers of their own."""
    settings.OCOP_REEVALUATION_OPENS_DAYS, settings.OCOP_REEVALUATION_CLOSES_DAYS = 150, 90
    settings.OCOP_REMINDER_BEFORE_CLOSE_DAYS = 20
    expire_and_remind(EXPIRES - 150 * DAY)
    expire_and_remind(EXPIRES - 110 * DAY)
    opens, closing = mail.outbox[0], mail.outbox[-1]
    assert "không sớm hơn 150 ngày và không muộn hơn 90 ngày" in opens.body
    assert "(90 ngày trước khi" in closing.body and closing.subject.startswith("Còn 20 ngày")
