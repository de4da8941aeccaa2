from django.core.management.base import BaseCommand

from ocop.places.loader import load_places
from ocop.places.models import Commune, Province


class Command(BaseCommand):
    help = "Load or refresh the provinces and communes shipped with the package (idempotent)."

    def handle(self, *args, **options):
        counts = load_places(Province, Commune)
        self.stdout.write(
            f"Places: {Province.objects.count()} provinces, {Commune.objects.count()} communes "
            f"({counts['created']} created, {counts['updated']} updated)."
        )
