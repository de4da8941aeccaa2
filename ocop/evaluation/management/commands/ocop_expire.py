"""`manage.py ocop_expire [--date YYYY-MM-DD]`: expire certificates and send the reminders that are due.
Idempotent; run it daily (cron, or the worker via the `expire_certificates` task)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from ocop.evaluation.expiry import expire_certificates
from ocop.evaluation.tasks import schedule_daily


class Command(BaseCommand):
    help = "Expire certificates past their date and send re-evaluation reminders (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); today by default.")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Only make sure the background worker runs this every day (queues tomorrow's run).",
        )

    def handle(self, *args, **options):
        if options["schedule"]:
            queued = schedule_daily()
            self.stdout.write(
                "daily run queued" if queued else "daily run already queued (or no worker backend)"
            )
            return
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        counts = expire_certificates(today)
        self.stdout.write(", ".join(f"{key}={value}" for key, value in counts.items()))
