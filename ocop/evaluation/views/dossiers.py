"""The dossiers: the list, opening one, its forms and attachments, submission and withdrawal, and
the dossier page every role sees.

Thin by design: objects are found through the user's scope (outside it → 404), the role is checked by
`role_required` (a role that never may → 403), and every change is a service call; a refused change
shows its message and writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ocop.accounts.access import REGISTRY_READERS, role_required
from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.calendar import days_left, local_today
from ocop.core.views import page_of
from ocop.places.models import Commune
from ocop.registry.models import Product

from .. import checklist
from ..forms.dossiers import AttachForm, Form01, Form02, OpenDossierForm, UploadAttachForm
from ..models import AdvisoryRecord, DocumentKind, Dossier, DossierAttachment, EvidenceDocument, Round
from ..services import IllegalTransition, in_scope, library
from ..services import dossiers as ds
from ..workflow import DossierStatus, available
from ._shared import FILERS, GET_POST, _errors, _id, _refused

# Dossier action → the page (another stage's URL name) that carries it out.
ACTION_URLS = {
    "submit": "evaluation:dossier_submit",
    "withdraw": "evaluation:dossier_withdraw",
    "commune_return": "evaluation:commune_review",
    "send_to_province": "evaluation:commune_review",
    "province_return": "evaluation:province_check",
    "province_check": "evaluation:province_check",
    "assign": "evaluation:council_list",
    "rescore": "evaluation:scoring",
    "close": "evaluation:scoring",
    "forward": "evaluation:decide",
    "recognise": "evaluation:decide",
    "not_recognise": "evaluation:decide",
    "record_central": "evaluation:central_result",
}
POST_ACTIONS = {"submit", "withdraw"}


def action_url(name: str, pk: int) -> str | None:
    """The URL of `name` for a dossier (with its id, else without), or None while that page does not
    exist yet."""
    for args in ([pk], []):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def _timeline(obj) -> list[dict]:
    rows = []
    for event in audit.history(obj)[:200]:
        changes = [
            {
                "field": k,
                "old": v[0] if isinstance(v, list | tuple) and len(v) == 2 else "",
                "new": v[1] if isinstance(v, list | tuple) and len(v) == 2 else v,
            }
            for k, v in (event.changes or {}).items()
        ]
        rows.append({"event": event, "changes": changes})
    return rows


# ------------------------------------------------------------------------------------------ dossiers


def _dossier(request, pk: int) -> Dossier:
    return get_object_or_404(
        Dossier.objects.visible_to(request.user).select_related(
            "product__producer__commune",
            "producer",
            "commune__province",
            "round",
            "sheet",
            "council",
            "decision",
            "previous",
        ),
        pk=pk,
    )


def _filer_dossier(request, pk: int) -> Dossier:
    """A dossier for a change: visible and in the user's own scope (its producer or commune), else 404."""
    dossier = _dossier(request, pk)
    if not (request.user.is_superuser or in_scope(request.user, dossier)):
        raise Http404
    return dossier


@role_required(*REGISTRY_READERS)
def dossier_list(request):
    qs = Dossier.objects.visible_to(request.user).select_related("product", "producer", "commune", "round")
    rounds = Round.objects.filter(pk__in=qs.values("round_id")).order_by("-year", "-commune_cutoff")
    communes = Commune.objects.filter(pk__in=qs.values("commune_id")).order_by("name")
    chosen = {k: request.GET.get(k, "") for k in ("round", "status", "commune")}
    if chosen["round"].isdigit():
        qs = qs.filter(round_id=int(chosen["round"]))
    if chosen["status"] in DossierStatus.values:
        qs = qs.filter(status=chosen["status"])
    if chosen["commune"]:
        qs = qs.filter(commune_id=chosen["commune"])
    page = page_of(request, qs.order_by("-created_at", "-id"))
    today = local_today()
    for d in page.object_list:
        d.days_left = days_left(d.commune_deadline, today) if d.commune_deadline else None
        d.overdue = bool(
            d.commune_deadline and today > d.commune_deadline and d.status == DossierStatus.SUBMITTED
        )
    return render(
        request,
        "evaluation/dossier_list.html",
        {
            "page_obj": page,
            "rounds": rounds,
            "communes": communes,
            "statuses": DossierStatus.choices,
            "chosen": chosen,
        },
    )


@role_required(*FILERS)
@GET_POST
def dossier_open(request, product_pk: int):
    product = get_object_or_404(
        Product.objects.visible_to(request.user).select_related("producer__commune"), pk=product_pk
    )
    if not ds.can_file_for(request.user, product.producer):
        raise PermissionDenied
    offers = ds.request_types_for(product)
    form = OpenDossierForm(
        request.POST or None, province_id=product.producer.commune.province_id, offers=offers
    )
    info = ds.reevaluation_window(product)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = ds.open_dossier(
                request.user, product, form.cleaned_data["round"], form.cleaned_data["request_type"]
            )
        except (ValidationError, PermissionDenied) as exc:
            for text in _errors(exc):
                form.add_error(None, text)
        else:
            messages.success(request, _("The dossier was opened."))
            warning = ds.window_warning(info) if dossier.request_type == "reevaluation" else ""
            if warning:
                messages.warning(request, warning)
            return redirect("evaluation:dossier_detail", dossier.pk)
    open_dossier = (
        Dossier.objects.filter(product=product).exclude(status__in=DossierStatus.finished()).first()
    )
    return render(
        request,
        "evaluation/dossier_open.html",
        {
            "product": product,
            "form": form,
            "window": info,
            "open_dossier": open_dossier,
            "offered": any(not o.refused for o in offers),
            "refused": [o for o in offers if o.refused],
        },
    )


def _checklist_rows(dossier: Dossier, attachments: list[DossierAttachment]):
    by_kind: dict[str, list] = {}
    for att in attachments:
        by_kind.setdefault(att.kind, []).append(att)
    due = None if dossier.status in DossierStatus.finished() else dossier.round.decision_due
    today = local_today()
    for att in attachments:
        att.flag = library.expiry_flag(att.document.expires_on, due, today)
    group = ds.group_code(dossier.product)
    rows = []
    listed = set()
    for item, ticked in checklist.rows(group, by_kind.keys()):
        listed.add(item.kind)
        rows.append(
            {
                "kind": item.kind,
                "label": DocumentKind(item.kind).label,
                "required": item.required,
                "ticked": ticked,
                "attachments": by_kind.get(item.kind, []),
            }
        )
    for kind, atts in by_kind.items():
        if kind not in listed:
            rows.append(
                {
                    "kind": kind,
                    "label": DocumentKind(kind).label,
                    "required": False,
                    "ticked": True,
                    "attachments": atts,
                }
            )
    return rows


def _actions(request, dossier: Dossier) -> list[dict]:
    user = request.user
    if not (user.is_superuser or in_scope(user, dossier)):
        return []
    out = []
    for step in available(
        dossier.status, "" if user.is_superuser else user.role, superuser=user.is_superuser
    ):
        url = action_url(ACTION_URLS.get(step.action, ""), dossier.pk) if step.action in ACTION_URLS else None
        if url:
            out.append(
                {"action": step.action, "label": step.label, "url": url, "post": step.action in POST_ACTIONS}
            )
    # A council member's own sheet, and the result once the scoring is closed (pages of other stages).
    extra = []
    if user.role == Role.COUNCIL_MEMBER and dossier.status in (
        DossierStatus.IN_COUNCIL,
        DossierStatus.RESCORING,
    ):
        extra.append(("score", _("Score this dossier"), "evaluation:score"))
    if dossier.closed_at:
        extra.append(("result", _("Result"), "evaluation:result"))
    for action, label, name in extra:
        url = action_url(name, dossier.pk)
        if url:
            out.append({"action": action, "label": label, "url": url, "post": False})
    return out


def _return_reasons(timeline: list[dict], dossier: Dossier) -> list[dict]:
    reasons = []
    for row in timeline:
        for change in row["changes"]:
            if change["field"] == "return_reason" and change["new"]:
                reasons.append(
                    {"when": row["event"].created_at, "who": row["event"].actor, "text": change["new"]}
                )
    if dossier.return_reason and not any(r["text"] == dossier.return_reason for r in reasons):
        reasons.insert(0, {"when": dossier.returned_at, "who": None, "text": dossier.return_reason})
    return reasons


@role_required(*REGISTRY_READERS)
def dossier_detail(request, pk: int):
    dossier = _dossier(request, pk)
    attachments = list(dossier.attachments.select_related("document").order_by("kind", "id"))
    panel = ds.part3(dossier)
    timeline = _timeline(dossier)
    today = local_today()
    editable = ds.can_edit(request.user, dossier)
    window = None
    if dossier.request_type == "reevaluation" and dossier.status in DossierStatus.editable():
        window = ds.reevaluation_window(dossier.product, today)
    context = {
        "dossier": dossier,
        "checklist": _checklist_rows(dossier, attachments),
        "flagged": [a for a in attachments if a.flag],
        "panel": panel,
        "max_total": panel.sheet.max_total if panel else 100,
        "timeline": timeline,
        "reasons": _return_reasons(timeline, dossier),
        "advisory": AdvisoryRecord.objects.filter(dossier=dossier).select_related("document"),
        "actions": _actions(request, dossier),
        "editable": editable,
        "problems": ds.missing(dossier) if editable else [],
        "changes": _labelled(ds.changes_since_previous(dossier)) if dossier.previous_id else None,
        "deadline": dossier.commune_deadline,
        "days_left": days_left(dossier.commune_deadline, today) if dossier.commune_deadline else None,
        "overdue": bool(dossier.commune_deadline and today > dossier.commune_deadline),
        "window_warning": ds.window_warning(window),
        "form02_parts": _form02_rows(dossier),
        "form01_rows": _form01_rows(dossier),
        "needs_samples": checklist.needs_samples(ds.group_code(dossier.product)),
        # Art. 5: submitted after the round's cut-off, the dossier falls into the province's next round.
        "past_round_cutoff": editable and today > dossier.round.commune_cutoff,
    }
    return render(request, "evaluation/dossier_detail.html", context)


def _labelled(changes: ds.Changes) -> ds.Changes:
    """The changed form entries under the labels the forms show (not their storage keys)."""
    labels = {name: f.label for name, f in Form01.base_fields.items()}
    labels |= {name.replace("__", "."): f.label for name, f in Form02.base_fields.items()}
    changes.forms = [(form, labels.get(key, key), old, new) for form, key, old, new in changes.forms]
    return changes


def _form01_rows(dossier: Dossier):
    form = Form01()
    return [(f.label, dossier.form01.get(name, "")) for name, f in form.fields.items()]


def _form02_rows(dossier: Dossier):
    form = Form02()
    titles = {
        "part1": _("I. General information"),
        "part2": _("II. Business results"),
        "part4": _("IV. Future plan"),
    }
    parts: dict[str, list] = {}
    for name, f in form.fields.items():
        part, key = name.split("__", 1)
        parts.setdefault(part, []).append((f.label, (dossier.form02.get(part) or {}).get(key, "")))
    return [(titles[p], rows) for p, rows in parts.items()]


def _frozen_redirect(request, dossier):
    messages.error(request, str(ds.frozen(dossier)))
    return redirect("evaluation:dossier_detail", dossier.pk)


def _form_page(request, pk: int, form_class, initial, save, title: str, done: str):
    """A page that edits one of the dossier's forms: refused (and nothing written) once frozen."""
    dossier = _filer_dossier(request, pk)
    if request.method == "GET" and not ds.can_edit(request.user, dossier):
        return _frozen_redirect(request, dossier)
    form = form_class(request.POST or None, initial=initial(dossier))
    if request.method == "POST" and form.is_valid():
        try:
            save(request.user, dossier, form)
        except (ValidationError, PermissionDenied, IllegalTransition) as exc:
            _refused(request, exc)
        else:
            messages.success(request, done)
        return redirect("evaluation:dossier_detail", dossier.pk)
    return render(request, "evaluation/dossier_form.html", {"dossier": dossier, "form": form, "title": title})


@role_required(*FILERS)
@GET_POST
def dossier_form01(request, pk: int):
    return _form_page(
        request,
        pk,
        Form01,
        lambda d: {**d.form01, "sample_count": d.sample_count},
        lambda user, d, form: ds.update_form01(
            user, d, {k: v for k, v in form.cleaned_data.items() if not form.fields[k].disabled}
        ),
        _("Form 01 — registration"),
        _("Form 01 was saved."),
    )


@role_required(*FILERS)
@GET_POST
def dossier_form02(request, pk: int):
    return _form_page(
        request,
        pk,
        Form02,
        lambda d: Form02.initial_from(d.form02),
        lambda user, d, form: ds.update_form02(user, d, form.parts()),
        _("Form 02 — parts I, II and IV"),
        _("Form 02 was saved."),
    )


@role_required(*FILERS)
@GET_POST
def dossier_attachments(request, pk: int):
    dossier = _filer_dossier(request, pk)
    if request.method == "GET" and not ds.can_edit(request.user, dossier):
        return _frozen_redirect(request, dossier)
    documents = EvidenceDocument.objects.filter(
        producer_id=dossier.producer_id, archived=False
    ).select_related("product")
    attach_form = AttachForm(documents=documents)
    upload_form = UploadAttachForm(products=Product.objects.filter(pk=dossier.product_id))
    kind = request.GET.get("kind")
    if kind in DocumentKind.values:
        attach_form.initial["kind"] = kind
        upload_form.initial["kind"] = kind
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "attach":
                attach_form = AttachForm(request.POST, documents=documents)
                if attach_form.is_valid():
                    ds.attach(
                        request.user,
                        dossier,
                        attach_form.cleaned_data["document"],
                        attach_form.cleaned_data["kind"],
                    )
                    messages.success(request, _("The document was attached."))
                    return redirect("evaluation:dossier_attachments", dossier.pk)
            elif op == "upload":
                upload_form = UploadAttachForm(
                    request.POST, request.FILES, products=Product.objects.filter(pk=dossier.product_id)
                )
                if upload_form.is_valid():
                    ds.upload_and_attach(
                        request.user, dossier, upload_form.cleaned_data["file"], **upload_form.details()
                    )
                    messages.success(request, _("The document was added to the library and attached."))
                    return redirect("evaluation:dossier_attachments", dossier.pk)
            elif op == "detach":
                att = get_object_or_404(
                    DossierAttachment, pk=_id(request.POST.get("attachment")), dossier=dossier
                )
                ds.detach(request.user, dossier, att)
                messages.success(request, _("The attachment was removed."))
                return redirect("evaluation:dossier_attachments", dossier.pk)
            else:
                messages.error(request, _("Unknown action."))
        except IllegalTransition as exc:
            _refused(request, exc)
            return redirect("evaluation:dossier_detail", dossier.pk)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
    attachments = list(dossier.attachments.select_related("document").order_by("kind", "id"))
    return render(
        request,
        "evaluation/dossier_attachments.html",
        {
            "dossier": dossier,
            "checklist": _checklist_rows(dossier, attachments),
            "attach_form": attach_form,
            "upload_form": upload_form,
        },
    )


def _post_step(request, pk: int, step, done: str):
    dossier = _filer_dossier(request, pk)
    try:
        step(request.user, dossier)
    except (ValidationError, PermissionDenied, IllegalTransition) as exc:
        _refused(request, exc)
    else:
        messages.success(request, done)
    return redirect("evaluation:dossier_detail", dossier.pk)


@role_required(*FILERS)
@require_POST
def dossier_take_self(request, pk: int):
    return _post_step(
        request, pk, ds.take_self_assessment, _("Part III now holds the latest self-assessment.")
    )


@role_required(*FILERS)
@require_POST
def dossier_submit(request, pk: int):
    return _post_step(request, pk, ds.submit, _("The dossier was submitted to the commune."))


@role_required(Role.PRODUCER)
@require_POST
def dossier_withdraw(request, pk: int):
    return _post_step(request, pk, ds.withdraw, _("The dossier was withdrawn."))
