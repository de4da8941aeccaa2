"""manage.py ocop_load_criteria PATH [--publish]: check a criteria set file and load it."""

from django.core.management.base import BaseCommand, CommandError

from ocop.criteria.loader import CriteriaSetConflict, CriteriaSetInvalid, read_file
from ocop.criteria.services import load_set


class Command(BaseCommand):
    help = (
        "Check a criteria set (JSON, the layout of ocop/criteria/data/ocop-criteria-qd26-2026.json) and load "
        "it, as a draft unless --publish is given. A published set never changes: loading it again with the "
        "same content does nothing, different content under its id is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON file")
        parser.add_argument(
            "--publish", action="store_true", help="publish the set (it then becomes immutable)"
        )

    def handle(self, path, publish, **options):
        try:
            data = read_file(path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        try:
            result = load_set(data, publish=publish)
        except (CriteriaSetInvalid, CriteriaSetConflict) as exc:
            raise CommandError(str(exc)) from exc
        state = "published" if result.published else "draft"
        self.stdout.write(f"{result.set_id}: {result.action}, {result.sheets} sheets, {state}")
