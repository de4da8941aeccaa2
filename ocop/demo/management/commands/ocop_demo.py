"""`manage.py ocop_demo`: fills the registry with demo data and creates one demo account per role.

`make run` calls it with --if-empty at every start, so that path does one cheap query and returns.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from ocop.demo import registry as demo


class Command(BaseCommand):
    help = (
        "Create realistic demo producers, products and ratings (Tây Ninh, or the whole country) "
        "and one demo account per role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Random seed (default %(default)s)."
        )
        parser.add_argument(
            "--scale",
            choices=demo.SCALES,
            default="province",
            help="province: Tây Ninh, about 250 producers and 400 products; national: 9,000 producers and "
            "20,000 products over all 34 provinces, for benchmarks.",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when producers already exist."
        )
        parser.add_argument("--flush", action="store_true", help="Delete all producers and products first.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["if_empty"] and not options["flush"] and not demo.registry_is_empty():
            if options["verbosity"] >= 2:
                self.stdout.write("Producers already exist; demo data left as it is.")
            return
        try:
            if options["flush"]:
                demo.flush_registry()
            elif not demo.registry_is_empty():
                raise CommandError(
                    "The registry already holds producers. Run with --flush to replace them with demo data, "
                    "or with --if-empty to leave them."
                )
            summary = demo.generate(scale=options["scale"], seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started

        if options["verbosity"] == 0:
            return
        stars = ", ".join(f"{n} at {s}★" for s, n in summary.stars.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ({summary.scale}, seed {summary.seed}): {summary.producers:,} producers, "
                f"{summary.products:,} products ({stars}), {summary.ratings:,} ratings, "
                f"{summary.channels:,} sales channels in {elapsed:.1f} s."
            )
        )
        ev = summary.evaluation
        if ev is not None:
            self.stdout.write(
                f"Evaluation records: {ev.rounds:,} rounds, {ev.councils:,} councils, "
                f"{ev.dossiers:,} recognised "
                f"dossiers, {ev.member_scores:,} member scores, {ev.decisions:,} decisions, "
                f"{ev.certificates:,} certificates, {ev.in_progress:,} dossiers in progress."
            )
        self.stdout.write(f"Demo accounts (password: {demo.DEMO_PASSWORD}):")
        for account in summary.accounts:
            role = "superuser (Django admin)" if account.scope == "admin" else account.role
            self.stdout.write(f"  {account.username:<15} {role:<25} {account.full_name}")
