"""Writing criteria sets: loading a checked set (ocop.criteria.loader) and publishing it.

`load_set` writes a valid set in one transaction: a published set is never changed (loading the same
content again is a no-op, recognised by its hash; different content under a published id is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ocop.core import audit
from ocop.core.models import AuditEvent

from .loader import (
    QD26_FILE,
    CriteriaSetConflict,
    CriteriaSetInvalid,
    content_hash,
    read_file,
    set_fields,
    sheet_fields,
    validate_set,
)
from .models import CriteriaSet, Sheet

if TYPE_CHECKING:
    from ocop.accounts.models import User


@dataclass
class LoadResult:
    set_id: str
    action: str  # "created", "replaced" (a draft), "published" (a draft, unchanged), "unchanged"
    sheets: int
    published: bool


def load_set(
    data: dict,
    *,
    publish: bool = False,
    actor: User | None = None,
    set_model: Any = None,
    sheet_model: Any = None,
) -> LoadResult:
    """Check and write a set. A new id is created (as a draft, or published); a draft is replaced by new
    content; a published set is left as it is when the content is the same (no-op) and refused otherwise.
    Each write is recorded in the audit log (by `actor`, or the system when None).

    Takes the models as arguments so that a data migration can pass its historical models (no audit
    row then: the audit log's own tables may not exist yet).
    """
    audited = set_model is None and sheet_model is None
    set_model, sheet_model = set_model or CriteriaSet, sheet_model or Sheet
    with transaction.atomic():
        result = _write_set(data, publish, set_model, sheet_model)
        if audited and result.action != "unchanged":
            published = result.action == "published"
            audit.record(
                actor,
                set_model.objects.only("id", "legal_basis", "title_vi").get(pk=result.set_id),
                AuditEvent.Action.UPDATE if published else AuditEvent.Action.IMPORT,
                changes={"status": [None, "published" if result.published else "draft"]},
                note=f"{result.action}: {result.sheets} sheets, hash {content_hash(data)[:12]}",
                verb="criteria_set.publish" if published else "criteria_set.load",
            )
    return result


def _publish(set_model: Any, set_id: str) -> None:
    set_model.objects.filter(pk=set_id).update(status="published", published_at=timezone.now())


def _write_set(data: dict, publish: bool, set_model: Any, sheet_model: Any) -> LoadResult:
    """The writes of load_set, inside its transaction."""
    errors = validate_set(data)
    if errors:
        raise CriteriaSetInvalid(errors)
    digest = content_hash(data)
    set_id = data["id"]
    existing = set_model.objects.select_for_update().filter(pk=set_id).only("status", "content_hash").first()
    count = sheet_model.objects.filter(criteria_set_id=set_id).count
    if existing is not None and existing.status == "published":
        if existing.content_hash != digest:
            raise CriteriaSetConflict(
                f"The criteria set “{set_id}” is published and its content differs from this file "
                f"(hash {existing.content_hash[:12]}… vs {digest[:12]}…); a published set never changes: "
                "give the corrected file a new id."
            )
        return LoadResult(set_id, "unchanged", count(), True)
    if existing is not None and existing.content_hash == digest:
        if not publish:
            return LoadResult(set_id, "unchanged", count(), False)
        _publish(set_model, set_id)
        return LoadResult(set_id, "published", count(), True)
    action = "created"
    if existing is not None:
        sheet_model.objects.filter(criteria_set_id=set_id).delete()
        set_model.objects.filter(pk=set_id).delete()
        action = "replaced"
    # Written as a draft first: sheets of a published set cannot be added.
    set_model.objects.create(id=set_id, status="draft", source=data, content_hash=digest, **set_fields(data))
    sheet_model.objects.bulk_create(
        [sheet_model(criteria_set_id=set_id, **sheet_fields(sheet)) for sheet in data["sheets"]]
    )
    if publish:
        _publish(set_model, set_id)
    return LoadResult(set_id, action, len(data["sheets"]), publish)


def load_qd26(set_model: Any = None, sheet_model: Any = None) -> LoadResult:
    """Decision 26/2026/QĐ-TTg, from the package's copy, as published."""
    return load_set(read_file(QD26_FILE), publish=True, set_model=set_model, sheet_model=sheet_model)
