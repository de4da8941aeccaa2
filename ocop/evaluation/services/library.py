"""The evidence library: a producer's documents, uploaded once and linked by every dossier.

Who may change a library: the producer itself and the commune officer of the producer's commune.
Who may download a document: those, and anyone who may read a dossier (or an advisory record of a
dossier) that links it (`Dossier.objects.visible_to`). Files are checked by their content
(`ocop.core.uploads.check_document`: PDF without active content, JPEG, PNG, WebP) and stored
under an unguessable name; a download goes through a permission-checked view only."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.calendar import local_today
from ocop.core.models import AuditEvent
from ocop.core.uploads import check_document
from ocop.registry.models import Producer, Product

from ..models import AdvisoryRecord, DocumentKind, Dossier, DossierAttachment, EvidenceDocument
from ..workflow import DossierStatus
from . import require

SOON_DAYS = 60
MANAGERS = (Role.PRODUCER, Role.COMMUNE_OFFICER)
EDITABLE_FIELDS = ("kind", "title", "issuer", "reference", "issued_on", "expires_on", "product")


def can_manage(user: User, producer: Producer | None = None, producer_id: int | None = None) -> bool:
    """The producer itself, or the commune officer of its commune."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    eid = producer.pk if producer is not None else producer_id
    if user.role == Role.PRODUCER:
        return bool(user.producer_id) and user.producer_id == eid
    if user.role == Role.COMMUNE_OFFICER and user.commune_id:
        commune_id = producer.commune_id if producer is not None else None
        if commune_id is None:
            commune_id = (
                Producer.objects.filter(pk=eid)  # type: ignore[misc]  # pk=None matches nothing, as in Django
                .values_list("commune_id", flat=True)
                .first()
            )
        return commune_id == user.commune_id
    return False


def manageable_producers(user: User) -> QuerySet[Producer]:
    """The producers whose library the user may change: the registry's edit scope, for producers and
    commune officers only (a provincial officer reads dossiers, it does not keep a producer's papers)."""
    if user.is_authenticated and (user.is_superuser or user.role in MANAGERS):
        return Producer.objects.editable_by(user)
    return Producer.objects.none()


def can_download(user: User, document: EvidenceDocument) -> bool:
    if can_manage(user, producer_id=document.producer_id):
        return True
    visible = Dossier.objects.visible_to(user).values("pk")
    return (
        DossierAttachment.objects.filter(document=document, dossier__in=visible).exists()
        or AdvisoryRecord.objects.filter(document=document, dossier__in=visible).exists()
    )


def with_decision_due(queryset: QuerySet[EvidenceDocument]) -> QuerySet[EvidenceDocument]:
    """Annotates `decision_due`: the latest decision date of the rounds of the open dossiers linking
    each document (None when no open dossier links it)."""
    return queryset.annotate(
        decision_due=Max(
            "attachments__dossier__round__decision_due",
            filter=~Q(attachments__dossier__status__in=DossierStatus.finished()),
        )
    )


def expiry_flag(
    expires_on: dt.date | None, decision_due: dt.date | None = None, today: dt.date | None = None
) -> str:
    """'' (fine), 'expired', 'before_decision' (expires before the round's decision of a dossier
    linking it) or 'soon' (within 60 days)."""
    if expires_on is None:
        return ""
    today = today or local_today()
    if expires_on < today:
        return "expired"
    if decision_due is not None and expires_on < decision_due:
        return "before_decision"
    if expires_on <= today + dt.timedelta(days=SOON_DAYS):
        return "soon"
    return ""


def _check_dates(issued_on: dt.date | None, expires_on: dt.date | None) -> None:
    if issued_on and expires_on and expires_on < issued_on:
        raise ValidationError(_("The expiry date is before the issue date."))


def _check_product(producer: Producer, product: Product | None) -> None:
    if product is not None and product.producer_id != producer.pk:
        raise ValidationError(_("This product belongs to another producer."))


def _clean_name(name: str | None) -> str:
    """The file's own name, without folders or control characters (it goes into a download header)."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    return "".join(c for c in base if c.isprintable()).strip()[:255]


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def upload(
    user: User,
    producer: Producer,
    upload: File,
    *,
    kind: str,
    title: str,
    issuer: str = "",
    reference: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    product: Product | None = None,
    replaces: EvidenceDocument | None = None,
) -> EvidenceDocument:
    """Adds a document to the producer's library (or a new version of `replaces`, which is archived, or
    removed when nothing filed links it). Checks the content first: nothing is stored on a refusal."""
    require(can_manage(user, producer))
    if kind not in DocumentKind.values:
        raise ValidationError(_("Unknown document kind."))
    _check_product(producer, product)
    _check_dates(issued_on, expires_on)
    if replaces is not None and (replaces.producer_id != producer.pk or replaces.archived):
        raise ValidationError(_("Only a current document of this producer can be replaced."))
    content_type, suffix = check_document(upload, settings.OCOP_DOCUMENT_MAX_BYTES)
    original = _clean_name(upload.name) or f"document.{suffix}"
    stored: str | None = ""
    try:
        with transaction.atomic():
            if replaces is not None:
                replaces = EvidenceDocument.objects.select_for_update().get(pk=replaces.pk)
                if replaces.archived:
                    raise ValidationError(_("Only a current document of this producer can be replaced."))
            doc = EvidenceDocument(
                producer=producer,
                product=product,
                kind=kind,
                title=(title or original)[:255],
                issuer=issuer,
                reference=reference,
                issued_on=issued_on,
                expires_on=expires_on,
                original_name=original,
                content_type=content_type,
                size=upload.size,
                sha256=_sha256(upload),
                replaces=replaces,
                uploaded_by=user if user.is_authenticated else None,
            )
            doc.file.save(f"document.{suffix}", upload, save=False)
            stored = doc.file.name
            doc.save()
            audit.record(
                user,
                doc,
                AuditEvent.Action.CREATE,
                audit.snapshot(doc, ["kind", "title", "expires_on"]),
                verb="document.upload",
            )
            if replaces is not None:
                _retire(user, replaces, doc)
    except Exception:
        if stored:
            EvidenceDocument.file.field.storage.delete(stored)
        raise
    return doc


def _retire(user: User, old: EvidenceDocument, new: EvidenceDocument) -> None:
    """Dossiers still being prepared move to the new version; what was filed keeps the old one."""
    # `new` was just created: nothing links it yet, so no (dossier, document, kind) pair can collide. A
    # version tied to one product moves only into that product's dossiers.
    moving = DossierAttachment.objects.filter(document=old, dossier__status__in=DossierStatus.editable())
    if new.product_id:
        moving = moving.filter(dossier__product_id=new.product_id)
    moving.update(document=new)
    linked = (
        DossierAttachment.objects.filter(document=old).exists()
        or AdvisoryRecord.objects.filter(document=old).exists()
    )
    old.archived = True
    old.save(update_fields=["archived"])
    audit.record(
        user,
        old,
        AuditEvent.Action.UPDATE,
        {"archived": [False, True], "replaced by": [None, new.pk]},
        verb="document.replace",
    )
    if not linked:
        name, storage = old.file.name, old.file.storage
        # The new version takes the old one's place in the chain, so a filed dossier's document still
        # leads to the newest version (an upgrade dossier copies that one).
        EvidenceDocument.objects.filter(replaces=old).update(replaces=old.replaces_id)
        new.replaces_id = old.replaces_id
        old.delete()
        transaction.on_commit(lambda: storage.delete(name) if name else None)


def filed(document: EvidenceDocument) -> bool:
    """A dossier that is no longer editable links it: it may not change in place."""
    return (
        DossierAttachment.objects.filter(document=document)
        .exclude(dossier__status__in=DossierStatus.editable())
        .exists()
    )


@transaction.atomic
def update(user: User, document: EvidenceDocument, **fields: Any) -> EvidenceDocument:
    """Changes a document's details (dates, title …). Refused once a filed dossier links it: upload a
    new version instead, so a filed dossier keeps exactly what was filed."""
    doc = EvidenceDocument.objects.select_for_update().get(pk=document.pk)
    require(can_manage(user, producer_id=doc.producer_id))
    if doc.archived:
        raise ValidationError(_("This document was replaced by a newer version and cannot change."))
    if filed(doc):
        raise ValidationError(
            _("A submitted dossier links this document, so it cannot change; upload a new version instead.")
        )
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot change: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "product" in fields:
        _check_product(doc.producer, fields["product"])
        product = fields["product"]
        if product is not None and doc.attachments.exclude(dossier__product=product).exists():
            raise ValidationError(
                _("A dossier of another product links this document; it cannot be tied to this product.")
            )
    if fields.get("kind", doc.kind) not in DocumentKind.values:
        raise ValidationError(_("Unknown document kind."))
    _check_dates(fields.get("issued_on", doc.issued_on), fields.get("expires_on", doc.expires_on))
    audit.update(user, doc, "document.update", fields)
    return doc
