"""Opening, editing, submitting and withdrawing a dossier (the producer's side, Decision 26/2026 Art. 6–7).

A dossier is edited only while it is a draft or returned, and only by its producer or the officer of the
producer's commune; after submission it is frozen (every change is refused and nothing is written).
Status changes go through `services.transition`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.models import Role, User
from ocop.certificates import rules
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.core import audit
from ocop.core.calendar import default_calendar, local_today
from ocop.core.models import AuditEvent
from ocop.core.serials import next_serial
from ocop.criteria import engine
from ocop.evaluation.services import selfassessment as sa
from ocop.registry import services as registry
from ocop.registry.models import Producer, Product, ProductStatus

from .. import checklist
from ..models import (
    DocumentKind,
    Dossier,
    DossierAttachment,
    EvidenceDocument,
    RequestType,
    Round,
    RoundStatus,
)
from ..workflow import DossierStatus, IllegalTransition
from . import in_scope, library, require, transition

FORM01_FIELDS = (
    "producer_name",
    "producer_type",
    "tax_code",
    "address",
    "phone",
    "email",
    "representative_name",
    "representative_position",
    "product_name",
    "product_group",
    "product_subgroup",
    "product_set",
    "sheet",
    "request_type",
    "sample_count",
)
# Form 01 entries that come from the registry and the dossier itself, never from what a filer typed.
FORM01_FIXED = ("product_group", "product_subgroup", "product_set", "sheet", "request_type", "sample_count")
FORM01_EDITABLE = tuple(f for f in FORM01_FIELDS if f not in FORM01_FIXED)
FORM02_PARTS = {
    "part1": (
        "organisation_type",
        "founded_on",
        "representative_gender",
        "representative_ethnicity",
        "residence",
        "business_registration",
        "quality_declaration",
        "food_safety_certificate",
        "ip_rights",
        "history",
        "organisation",
    ),
    "part2": ("raw_materials", "technology", "packaging", "markets", "revenue", "profit"),
    "part4": ("future_plan",),
}
FILERS = (Role.PRODUCER, Role.COMMUNE_OFFICER)


# ------------------------------------------------------------------------------------------ access


def can_file_for(user: User, producer: Producer) -> bool:
    """The producer itself or the officer of its commune (or a superuser)."""
    return library.can_manage(user, producer)


def can_edit(user: User, dossier: Dossier) -> bool:
    """May the user change this dossier now (state and person)?"""
    return dossier.status in DossierStatus.editable() and _filer(user, dossier)


def _filer(user: User, dossier: Dossier) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return (user.is_superuser or user.role in FILERS) and in_scope(user, dossier)


def frozen(dossier: Dossier) -> IllegalTransition:
    """The refusal of any change to a dossier that is not a draft or returned."""
    return IllegalTransition(
        _("This dossier was submitted and is frozen (“%(status)s”); it can change only when returned.")
        % {"status": dossier.get_status_display()}
    )


def _editable(user: User, dossier: Dossier) -> Dossier:
    """The dossier re-read under a lock, once the user may change it (else raise, nothing written)."""
    current = Dossier.objects.select_for_update().get(pk=dossier.pk)
    require(_filer(user, current))
    if current.status not in DossierStatus.editable():
        raise frozen(current)
    return current


# ------------------------------------------------------------------------------------------ opening


def group_code(product: Product) -> str | None:
    cls = product.classification
    return cls.group_code if cls else None


def form01_from_registry(product: Product, request_type: str, sample_count: int) -> dict[str, Any]:
    producer = product.producer
    cls = product.classification
    return {
        "producer_name": producer.name,
        "producer_type": producer.get_producer_type_display(),
        "tax_code": producer.tax_code,
        "address": ", ".join(p for p in (producer.address, producer.commune.name) if p),
        "phone": producer.phone,
        "email": producer.email,
        "representative_name": producer.representative_name,
        "representative_position": producer.representative_position,
        "product_name": product.name_vi,
        "product_group": f"{cls.group_code} — {cls.group_vi}" if cls else "",
        "product_subgroup": f"{cls.subgroup_code} — {cls.subgroup_vi}" if cls else "",
        "product_set": f"{cls.code} — {cls.name_vi}" if cls else product.product_set,
        "sheet": cls.sheet if cls else None,
        "request_type": str(RequestType(request_type).label),
        "sample_count": sample_count,
    }


def form02_from_registry(product: Product) -> dict[str, dict[str, Any]]:
    producer = product.producer
    return {
        "part1": {
            "organisation_type": producer.get_producer_type_display(),
            "founded_on": producer.founded_on.strftime("%d/%m/%Y") if producer.founded_on else "",
            "representative_gender": producer.get_representative_gender_display()
            if producer.representative_gender
            else "",
            "representative_ethnicity": producer.representative_ethnicity,
            "residence": ", ".join(p for p in (producer.address, producer.commune.name) if p),
            "business_registration": producer.tax_code,
            "quality_declaration": "",
            "food_safety_certificate": "",
            "ip_rights": "",
            "history": "",
            "organisation": "",
        },
        "part2": {
            "raw_materials": "",
            "technology": "",
            "packaging": product.packaging,
            "markets": "",
            "revenue": "",
            "profit": "",
        },
        "part4": {"future_plan": ""},
    }


def valid_certificate(product: Product) -> Certificate | None:
    return (
        Certificate.objects.filter(product=product, status=CertificateStatus.VALID)
        .order_by("-expires_on")
        .first()
    )


@dataclass
class WindowInfo:
    certificate: Certificate
    state: str  # early / open / late / expired
    opens: dt.date
    closes: dt.date


def reevaluation_window(product: Product, today: dt.date | None = None) -> WindowInfo | None:
    cert = valid_certificate(product)
    if cert is None:
        return None
    opens_days, closes_days = settings.OCOP_REEVALUATION_OPENS_DAYS, settings.OCOP_REEVALUATION_CLOSES_DAYS
    today = today or local_today()
    opens, closes = rules.reevaluation_window(cert.expires_on, opens_days, closes_days)
    return WindowInfo(
        cert, rules.window_state(cert.expires_on, today, opens_days, closes_days), opens, closes
    )


def window_warning(info: WindowInfo | None) -> str:
    if info is None or info.state != "late":
        return ""
    return _(
        "Filed late: the re-evaluation window closed on %(closes)s (certificate %(number)s expires on "
        "%(expires)s). The certificate stays valid while the decision is pending, at most %(days)s days "
        "past its expiry."
    ) % {
        "closes": info.closes.strftime("%d/%m/%Y"),
        "number": info.certificate.number,
        "expires": info.certificate.expires_on.strftime("%d/%m/%Y"),
        "days": settings.OCOP_LATE_FILER_GRACE_DAYS,
    }


MAX_STARS = 5


class RequestTypeOffer(NamedTuple):
    """One request type on the opening page: offered when `refused` is empty, else the reason why not."""

    value: str
    label: str
    refused: str


def request_types_for(product: Product, today: dt.date | None = None) -> list[RequestTypeOffer]:
    """The request types the product's state allows (Art. 7), each refused one with its reason in plain
    words. The one rule used by the opening page and by `open_dossier`: a first evaluation only without a
    certificate in force; a re-evaluation only with a valid certificate inside (or late in) its window; an
    upgrade only with a certificate in force below the highest rating."""
    info = reevaluation_window(product, today)
    in_force = info is not None and info.state != "expired"
    refused: dict[str, str] = {}
    if in_force:
        assert info is not None
        refused[RequestType.FIRST] = _(
            "Not offered: certificate %(number)s (%(stars)s★) is in force until %(expires)s; a first "
            "evaluation is only for a product without a certificate in force."
        ) % {
            "number": info.certificate.number,
            "stars": info.certificate.stars,
            "expires": info.certificate.expires_on.strftime("%d/%m/%Y"),
        }
    none = _("An upgrade or a re-evaluation needs a valid OCOP certificate for this product; there is none.")
    if info is None:
        refused[RequestType.REEVALUATION] = none
        refused[RequestType.UPGRADE] = none
    elif info.state == "early":
        refused[RequestType.REEVALUATION] = _(
            "Too early: a re-evaluation can be filed from %(opens)s to %(closes)s "
            "(certificate expires on %(expires)s)."
        ) % {
            "opens": info.opens.strftime("%d/%m/%Y"),
            "closes": info.closes.strftime("%d/%m/%Y"),
            "expires": info.certificate.expires_on.strftime("%d/%m/%Y"),
        }
    elif info.state == "expired":
        refused[RequestType.REEVALUATION] = _(
            "The certificate has expired; file a first evaluation instead of a re-evaluation."
        )
    if info is not None and not in_force:
        refused[RequestType.UPGRADE] = _(
            "The certificate has expired; file a first evaluation instead of an upgrade."
        )
    elif info is not None and info.certificate.stars >= MAX_STARS:
        refused[RequestType.UPGRADE] = _(
            "Not offered: certificate %(number)s already has %(stars)s★, the highest rating; there is "
            "nothing to upgrade to."
        ) % {"number": info.certificate.number, "stars": info.certificate.stars}
    return [
        RequestTypeOffer(value, str(label), refused.get(value, "")) for value, label in RequestType.choices
    ]


def _check_request_type(product: Product, request_type: str) -> None:
    for offer in request_types_for(product):
        if offer.value == request_type and offer.refused:
            raise ValidationError(offer.refused, code="request_type_refused")


def _latest(product: Product) -> Dossier | None:
    return (
        Dossier.objects.filter(product=product)
        .exclude(status=DossierStatus.WITHDRAWN)
        .order_by("-created_at", "-id")
        .first()
    )


def _current_version(doc: EvidenceDocument) -> EvidenceDocument:
    """The newest version of a library document: only a replaced (archived) one has a newer version, and
    at most one (`library.upload` refuses to replace an archived document)."""
    seen = {doc.pk}
    while doc.archived:
        newer = EvidenceDocument.objects.filter(replaces=doc).first()
        if newer is None or newer.pk in seen:
            break
        seen.add(newer.pk)
        doc = newer
    return doc


def open_dossier(user: User, product: Product, round_: Round, request_type: str) -> Dossier:
    """Opens a dossier for a product in a round. An upgrade or a re-evaluation starts as a copy of the
    product's last dossier (forms, self-assessment, the same library documents) and keeps it as
    `previous`, so the page shows what changed."""
    product = Product.objects.select_related("producer__commune").get(pk=product.pk)
    require(can_file_for(user, product.producer))
    if request_type not in RequestType.values:
        raise ValidationError(_("Unknown request type."))
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(_("This round is closed; choose an open round."))
    if round_.province_id != product.producer.commune.province_id:
        raise ValidationError(_("This round belongs to another province."))
    if Dossier.objects.filter(product=product).exclude(status__in=DossierStatus.finished()).exists():
        raise ValidationError(
            _("This product already has a dossier in progress; finish or withdraw it first.")
        )
    _check_request_type(product, request_type)
    try:
        sheet = sa.sheet_for(product)
    except sa.SheetUnavailable as exc:
        raise ValidationError(str(exc)) from exc
    group = group_code(product)
    samples = settings.OCOP_SAMPLES_REQUIRED if checklist.needs_samples(group) else 0
    previous = _latest(product) if request_type != RequestType.FIRST else None

    dossier = Dossier(
        round=round_,
        product=product,
        producer=product.producer,
        commune=product.producer.commune,
        sheet=sheet,
        request_type=request_type,
        sample_count=samples,
        created_by=user if user.is_authenticated else None,
        form01=form01_from_registry(product, request_type, samples),
        form02=form02_from_registry(product),
    )
    if previous is not None:
        dossier.previous = previous
        fresh = dossier.form01
        dossier.form01 = {**fresh, **previous.form01, **{k: fresh[k] for k in FORM01_FIXED}}
        dossier.form02 = {k: dict(v) for k, v in (previous.form02 or {}).items()} or dossier.form02
        if previous.sheet_id == sheet.pk:
            dossier.self_answers = dict(previous.self_answers)
            dossier.self_not_applicable = list(previous.self_not_applicable)
    if not dossier.self_answers:
        draft = sa.current_draft(product)
        if draft is not None and draft.sheet_id == sheet.pk:
            dossier.self_answers = dict(draft.answers)
            dossier.self_not_applicable = list(draft.not_applicable)
    try:
        with transaction.atomic():
            dossier.save()
            if previous is not None:
                for att in previous.attachments.select_related("document"):
                    DossierAttachment.objects.get_or_create(
                        dossier=dossier,
                        document=_current_version(att.document),
                        kind=att.kind,
                        defaults={"criterion": att.criterion, "added_by": dossier.created_by},
                    )
            audit.record(
                user,
                dossier,
                AuditEvent.Action.CREATE,
                {"round": [None, str(round_)], "request_type": [None, dossier.get_request_type_display()]},
                verb="dossier.open",
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("This product already has a dossier in progress; finish or withdraw it first.")
        ) from exc
    return dossier


# ------------------------------------------------------------------------------------------ editing


def _save(user: User, current: Dossier, before: dict[str, Any], names: list[str], verb: str) -> Dossier:
    """Saves and audits the changed fields under `verb`; a form's JSON is audited key by key
    (form01.product_name)."""
    after = audit.snapshot(current, names)
    changes: dict[str, list] = {}
    for name in names:
        old, new = before.get(name), after.get(name)
        if isinstance(old, dict) and isinstance(new, dict) and name.startswith("form"):
            a, b = _flat(old), _flat(new)
            for key in sorted(a.keys() | b.keys()):
                if a.get(key) != b.get(key):
                    changes[f"{name}.{key}"] = [a.get(key), b.get(key)]
        elif old != new:
            changes[name] = [old, new]
    if changes:
        current.save()
        audit.record(user, current, AuditEvent.Action.UPDATE, changes, verb=verb)
    return current


@transaction.atomic
def update_form01(user: User, dossier: Dossier, data: dict[str, Any]) -> Dossier:
    current = _editable(user, dossier)
    names = ["form01", "sample_count"]
    before = audit.snapshot(current, names)
    form01 = dict(current.form01)
    form01.update({k: v for k, v in data.items() if k in FORM01_EDITABLE})
    if "sample_count" in data:
        try:
            count = int(data["sample_count"] or 0)
        except (TypeError, ValueError):
            count = -1
        if count < 0:
            raise ValidationError(_("The number of samples cannot be negative."))
        current.sample_count = count
        form01["sample_count"] = count
    current.form01 = form01
    return _save(user, current, before, names, "dossier.update_form01")


@transaction.atomic
def update_form02(user: User, dossier: Dossier, data: dict[str, dict[str, Any]]) -> Dossier:
    current = _editable(user, dossier)
    before = audit.snapshot(current, ["form02"])
    form02 = {k: dict(v) for k, v in (current.form02 or {}).items()}
    for part, names in FORM02_PARTS.items():
        values = data.get(part) or {}
        form02.setdefault(part, {}).update({k: v for k, v in values.items() if k in names})
    current.form02 = form02
    return _save(user, current, before, ["form02"], "dossier.update_form02")


@transaction.atomic
def take_self_assessment(user: User, dossier: Dossier) -> Dossier:
    """Part III = the product's current self-assessment draft (its answers on the dossier's sheet)."""
    current = _editable(user, dossier)
    draft = sa.current_draft(current.product)
    if draft is None or draft.sheet_id != current.sheet_id:
        raise ValidationError(_("This product has no self-assessment on the dossier's scoring sheet yet."))
    names = ["self_answers", "self_not_applicable"]
    before = audit.snapshot(current, names)
    current.self_answers = dict(draft.answers)
    current.self_not_applicable = list(draft.not_applicable)
    return _save(user, current, before, names, "dossier.take_self_assessment")


def _check_document(current: Dossier, document: EvidenceDocument) -> None:
    if document.producer_id != current.producer_id:
        raise ValidationError(_("This document belongs to another producer."))
    if document.archived:
        raise ValidationError(_("This document was replaced by a newer version; attach the newer one."))
    if document.product_id and document.product_id != current.product_id:
        raise ValidationError(_("This document is about another product."))


@transaction.atomic
def attach(
    user: User, dossier: Dossier, document: EvidenceDocument, kind: str, criterion: str = ""
) -> DossierAttachment:
    current = _editable(user, dossier)
    if kind not in DocumentKind.values:
        raise ValidationError(_("Unknown checklist item."))
    _check_document(current, document)
    if DossierAttachment.objects.filter(dossier=current, document=document, kind=kind).exists():
        raise ValidationError(_("This document is already attached under this item."))
    att = DossierAttachment.objects.create(
        dossier=current, document=document, kind=kind, criterion=criterion[:20], added_by=user
    )
    audit.record(
        user,
        current,
        AuditEvent.Action.UPDATE,
        {f"attachment {DocumentKind(kind).label}": [None, document.title]},
        verb="dossier.attach",
    )
    return att


@transaction.atomic
def detach(user: User, dossier: Dossier, attachment: DossierAttachment) -> None:
    current = _editable(user, dossier)
    if attachment.dossier_id != current.pk:
        raise ValidationError(_("This attachment belongs to another dossier."))
    audit.record(
        user,
        current,
        AuditEvent.Action.UPDATE,
        {f"attachment {attachment.get_kind_display()}": [attachment.document.title, None]},
        verb="dossier.detach",
    )
    attachment.delete()


def upload_and_attach(
    user: User, dossier: Dossier, file: File, *, kind: str, **meta: Any
) -> DossierAttachment:
    """Adds a file to the library and attaches it under `kind`, in one step (both or neither). The
    dossier is locked and checked first, so a frozen dossier stores nothing."""
    stored = []
    try:
        with transaction.atomic():
            current = _editable(user, dossier)
            doc = library.upload(user, current.producer, file, kind=kind, **meta)
            stored.append(doc.file.name)
            return attach(user, current, doc, kind)
    except Exception:
        # The library row rolled back with the attachment; its file must go too.
        for name in stored:
            EvidenceDocument.file.field.storage.delete(name)  # type: ignore[arg-type]  # a saved file has a name
        raise


# ------------------------------------------------------------------------------------------ checks


def part3(dossier: Dossier) -> sa.Panel | None:
    """The self-score (engine) of the dossier's Part III, or None when the answers do not fit the sheet."""
    comp = sa.compiled(dossier.sheet)
    try:
        return sa.evaluate(comp, dossier.self_answers or {}, dossier.self_not_applicable or [])
    except engine.InvalidAnswer:
        return None


def missing(dossier: Dossier) -> list[str]:
    """What stops the dossier from being submitted, as messages (empty: complete)."""
    problems = []
    kinds = set(dossier.attachments.values_list("kind", flat=True))
    absent = checklist.missing(group_code(dossier.product), kinds)
    if absent:
        problems.append(
            _("Missing documents: %(items)s.")
            % {"items": ", ".join(str(DocumentKind(k).label) for k in absent)}
        )
    required_samples = settings.OCOP_SAMPLES_REQUIRED
    if checklist.needs_samples(group_code(dossier.product)) and dossier.sample_count < required_samples:
        problems.append(
            _("Form 01: %(n)s product samples are required (the dossier lists %(given)s).")
            % {"n": required_samples, "given": dossier.sample_count}
        )
    panel = part3(dossier)
    if panel is None:
        problems.append(_("Part III does not fit the scoring sheet; take the latest self-assessment again."))
    elif panel.result.unanswered:
        problems.append(
            _("Part III (self-assessment) is incomplete: %(n)s criteria unanswered (%(codes)s).")
            % {"n": len(panel.result.unanswered), "codes": ", ".join(panel.result.unanswered[:20])}
        )
    return problems


# ------------------------------------------------------------------------------------------ filing


@transaction.atomic
def submit(user: User, dossier: Dossier) -> Dossier:
    """Files the dossier with the commune: receipt number, product code, the 15-working-day deadline.
    A returned dossier keeps its numbers and gets a new receipt date and deadline."""
    current = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("product", "commune", "round")
        .get(pk=dossier.pk)
    )
    require(_filer(user, current))
    if current.status not in DossierStatus.editable():
        raise frozen(current)
    problems = missing(current)
    if problems:
        raise ValidationError(problems)
    today = local_today()
    fields: dict[str, Any] = {
        "submitted_at": timezone.now(),
        "received_on": today,
        "commune_deadline": default_calendar().add_working_days(
            today, settings.OCOP_COMMUNE_REVIEW_WORKING_DAYS
        ),
    }
    if current.status == DossierStatus.RETURNED:
        fields["return_reason"] = ""
    province, commune, year = current.commune.province_id, current.commune_id, today.year
    if not current.receipt_number:
        fields["receipt_number"] = _free_number(
            f"receipt:{commune}:{year}",
            lambda n: f"{n}/PĐK-{province}-{commune}-{year}",
            lambda number: Dossier.objects.filter(receipt_number=number).exists(),
        )
    if not current.product_code:
        product = Product.objects.select_for_update().get(pk=current.product_id)
        code = product.ocop_code
        if not code:
            code = _free_number(
                f"product:{commune}:{year}",
                lambda n: f"{province}-{commune}-{n:03d}-{year}",
                lambda code: Product.objects.filter(ocop_code=code).exists(),
            )
            registry.assign_ocop_code(user, product, code)
        fields["product_code"] = code
    _mark_in_evaluation(user, current.product_id)
    return transition(user, current, "submit", fields=fields)


def _free_number(key: str, fmt: Callable[[int], str], taken: Callable[[str], bool]) -> str:
    """The next number of sequence `key` that no row holds yet (numbers entered before the platform, or
    by an import, are skipped rather than failing the submission on the unique constraint)."""
    while True:
        number = fmt(next_serial(key))
        if not taken(number):
            return number


def _mark_in_evaluation(user: User, product_id: int) -> None:
    """A product that was only an idea is "in evaluation" from its first submission on."""
    product = Product.objects.select_for_update().get(pk=product_id)
    if product.status == ProductStatus.IDEA:
        registry.set_status(user, product, ProductStatus.IN_EVALUATION)


def withdraw(user: User, dossier: Dossier, note: str = "") -> Dossier:
    return transition(user, dossier, "withdraw", note=note)


# ------------------------------------------------------------------------------------------ what changed


@dataclass
class Changes:
    forms: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (form, field, old, new)
    self_total: tuple[int | None, int | None] = (None, None)
    self_criteria: list[tuple[str, Any, Any]] = field(default_factory=list)
    added: list[DossierAttachment] = field(default_factory=list)
    removed: list[DossierAttachment] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.forms or self.self_criteria or self.added or self.removed)


def _flat(form: dict) -> dict[str, Any]:
    out = {}
    for key, value in (form or {}).items():
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def changes_since_previous(dossier: Dossier) -> Changes | None:
    """What an upgrade or re-evaluation dossier changed against the dossier it was copied from."""
    prev = dossier.previous
    if prev is None:
        return None
    result = Changes()
    for label, old, new in (
        ("Form 01", prev.form01, dossier.form01),
        ("Form 02", prev.form02, dossier.form02),
    ):
        a, b = _flat(old), _flat(new)
        for key in sorted(a.keys() | b.keys()):
            if key != "request_type" and a.get(key) != b.get(key):
                result.forms.append((label, key, a.get(key), b.get(key)))
    for code in sorted(prev.self_answers.keys() | dossier.self_answers.keys()):
        if prev.self_answers.get(code) != dossier.self_answers.get(code):
            result.self_criteria.append((code, prev.self_answers.get(code), dossier.self_answers.get(code)))
    old_panel = part3(prev) if prev.sheet_id == dossier.sheet_id else None
    new_panel = part3(dossier)
    result.self_total = (
        old_panel.result.total if old_panel else None,
        new_panel.result.total if new_panel else None,
    )
    old_atts = list(prev.attachments.select_related("document"))
    new_atts = list(dossier.attachments.select_related("document"))
    old_keys = {(a.document_id, a.kind) for a in old_atts}
    new_keys = {(a.document_id, a.kind) for a in new_atts}
    result.added = [a for a in new_atts if (a.document_id, a.kind) not in old_keys]
    result.removed = [a for a in old_atts if (a.document_id, a.kind) not in new_keys]
    return result
