"""The daily expiry of certificates, which depends on the evaluation: a certificate past its date stays
valid while its product's re-evaluation, filed late, awaits the decision (Art. 12). The certificates
app does the expiring and the reminders; this module tells it which products are pending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ocop.certificates import services as certificates

from .models import Dossier, RequestType
from .workflow import DossierStatus


def pending_reevaluation(product_ids: Iterable[int]) -> set[int]:
    """Of these products, those with a re-evaluation dossier filed and not yet decided."""
    return set(
        Dossier.objects.filter(product_id__in=list(product_ids), request_type=RequestType.REEVALUATION)
        .exclude(status__in=[*DossierStatus.finished(), DossierStatus.DRAFT])
        .values_list("product_id", flat=True)
    )


def expire_certificates(today: dt.date | None = None) -> dict[str, int]:
    """Expire certificates past their date and send the re-evaluation reminders that are due
    (`manage.py ocop_expire`, and the worker's daily task). Idempotent."""
    return certificates.expire_and_remind(today, pending_reevaluation=pending_reevaluation)
