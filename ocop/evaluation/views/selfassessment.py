"""The self-assessment page (Form 02, Part III): the product's sheet as radio buttons, the live score
panel (htmx; the page works without JavaScript), and the evidence per criterion.

Reading is for whoever may see the product (``Product.objects.visible_to``: out of scope → 404);
changing for whoever may edit it (``editable_by``: otherwise 403). The services are in
ocop.evaluation.services.selfassessment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ocop.accounts.access import REGISTRY_READERS, role_required
from ocop.criteria import engine
from ocop.criteria.views import sheet_layout
from ocop.registry.models import Product

from ..forms.selfassessment import EvidenceForm, SelfAssessmentForm, field_name
from ..models import SelfAssessmentEvidence
from ..services import selfassessment as sa


def _product(request, product_id: int) -> Product:
    return get_object_or_404(
        Product.objects.visible_to(request.user).select_related("producer__commune__province"), pk=product_id
    )


def _sheet_of(request, product_id: int):
    """(product, its published sheet, the compiled sheet), or 404 when the product has no sheet."""
    product = _product(request, product_id)
    try:
        sheet = sa.sheet_for(product)
    except sa.SheetUnavailable as exc:
        raise Http404(str(exc)) from exc
    return product, sheet, sa.compiled(sheet)


@dataclass
class _Loaded:
    product: Product
    sheet: Any
    comp: engine.Sheet
    draft: Any  # the product's current draft, possibly on another sheet
    saved: bool  # the draft belongs to this sheet: its answers apply
    answers: dict
    na: list


def _load(request, product_id: int) -> _Loaded:
    product, sheet, comp = _sheet_of(request, product_id)
    draft = sa.current_draft(product)
    saved = draft is not None and draft.sheet_id == sheet.pk
    return _Loaded(
        product,
        sheet,
        comp,
        draft,
        saved,
        dict(draft.answers) if saved else {},
        list(draft.not_applicable) if saved else [],
    )


def _option_text(crit: engine.Criterion, points: int | None) -> tuple[str, str]:
    if points is None:
        return "", ""
    options = crit.options_for(points)
    if not options:
        return "", ""
    return options[0].text_vi, options[0].text_en


def panel_context(comp: engine.Sheet, panel: sa.Panel | None) -> dict[str, Any]:
    if panel is None:
        return {"panel": None}
    result = panel.result
    changes = []
    if panel.next is not None:
        for ch in panel.next.changes:
            crit = comp.by_code[ch.criterion]
            from_vi, from_en = _option_text(crit, ch.from_points)
            changes.append(
                {
                    "code": ch.criterion,
                    "name_vi": crit.name_vi,
                    "from_points": ch.from_points,
                    "from_vi": from_vi,
                    "from_en": from_en,
                    "to_points": ch.to_points,
                    "to": ch.options,
                    "gained": ch.gained,
                    "mandatory": ch.mandatory,
                }
            )
    unmet = [
        {
            "code": u.criterion,
            "name_vi": comp.by_code[u.criterion].name_vi,
            "stars": u.stars,
            "required": u.required_points,
            "given": u.given_points,
        }
        for u in result.unmet_minimums
    ]
    return {
        "panel": panel,
        "result": result,
        "part_totals": [
            {"code": p, "points": result.part_points.get(p, 0), "max": comp.part_max[p]} for p in comp.parts
        ],
        "max_total": comp.max_total,
        "unmet": unmet,
        "next": panel.next,
        "changes": changes,
        "provisional_stars": panel.provisional.stars,
    }


def answered_layout(data: dict, comp: engine.Sheet, answers: dict, na) -> tuple[list, list]:
    """The sheet laid out as on the self-assessment page (``sheet_layout``) with, on every criterion
    row, its form field, whether it is conditional, not applicable or answered, and its options with the
    chosen one checked. Returns the parts and the criterion rows with their compiled criteria, for a
    page to add its own columns (evidence, comments …)."""
    parts = sheet_layout(data)
    rows = []
    for part in parts:
        for section in part["sections"]:
            for row in section["rows"]:
                if row["kind"] != "criterion":
                    continue
                code = row["criterion"]["code"]
                crit = comp.by_code[code]
                value = answers.get(code)
                row["field"] = field_name(code)
                row["conditional"] = crit.conditional
                row["na"] = code in na
                row["answered"] = value is not None
                seen = False
                for case in row["cases"]:
                    case["choices"] = []
                    for option in case["options"]:
                        checked = not seen and value is not None and int(option["points"]) == int(value)
                        seen = seen or checked
                        case["choices"].append({"option": option, "checked": checked})
                rows.append((row, crit))
    return parts, rows


def _layout(sheet, comp: engine.Sheet, answers: dict, na: list, evidence: dict, editable: bool):
    parts, rows = answered_layout(sheet.data, comp, answers, na)
    for row, crit in rows:
        row["evidence"] = evidence.get(crit.code, [])
    return parts


def _page(request, product, sheet, comp, draft, *, answers, na, form_errors=(), status=200):
    editable = sa.can_edit(request.user, product)
    evidence: dict[str, list] = {}
    if draft is not None:
        for item in draft.evidence.all():
            evidence.setdefault(item.criterion, []).append(item)
    try:
        panel = sa.evaluate(comp, answers, na)
    except engine.InvalidAnswer:
        panel = sa.evaluate(comp, {}, [])
    context = {
        "product": product,
        "sheet": sheet,
        "set": sheet.criteria_set,
        "comp": comp,
        "parts": _layout(sheet, comp, answers, na, evidence, editable),
        "draft": draft,
        "editable": editable,
        "form_errors": form_errors,
        "evidence_form": EvidenceForm(),
        "evidence_items": [e for items in evidence.values() for e in items],
        **panel_context(comp, panel),
    }
    return render(request, "evaluation/self_assessment.html", context, status=status)


def _form_errors(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


@role_required(*REGISTRY_READERS)
@require_http_methods(["GET", "POST"])
def self_assessment(request, product_id: int):
    loaded = _load(request, product_id)
    product, sheet, comp, draft = loaded.product, loaded.sheet, loaded.comp, loaded.draft
    answers, na = loaded.answers, loaded.na
    if request.method == "POST":
        if not sa.can_edit(request.user, product):
            raise PermissionDenied
        form = SelfAssessmentForm(comp, request.POST)
        errors: list[str] = []
        if form.is_valid():
            new_answers, new_na = form.answers()
            try:
                sa.save_draft(request.user, product, new_answers, new_na)
            except engine.InvalidAnswer as exc:
                errors = [str(exc)]
            else:
                messages.success(request, _("Draft saved."))
                return redirect(reverse("evaluation:self_assessment", args=[product.pk]) + "#panel")
        else:
            errors = _form_errors(form)
        messages.error(request, _("Nothing was saved: the form holds values the sheet does not allow."))
        return _page(
            request, product, sheet, comp, draft, answers=answers, na=na, form_errors=errors, status=400
        )
    return _page(request, product, sheet, comp, draft, answers=answers, na=na)


@role_required(*REGISTRY_READERS)
@require_POST
def self_panel(request, product_id: int):
    """The panel re-scored from the posted form, WITHOUT saving (htmx swaps it in)."""
    product, _sheet, comp = _sheet_of(request, product_id)
    form = SelfAssessmentForm(comp, request.POST)
    errors: list[str] = []
    panel = None
    if form.is_valid():
        answers, na = form.answers()
        try:
            panel = sa.evaluate(comp, answers, na)
        except engine.InvalidAnswer as exc:
            errors = [str(exc)]
    else:
        errors = _form_errors(form)
    context = {
        "product": product,
        "comp": comp,
        "form_errors": errors,
        "oob": True,
        **panel_context(comp, panel),
    }
    return render(request, "evaluation/self_panel.html", context)


@role_required(*REGISTRY_READERS)
@require_POST
def evidence_add(request, product_id: int):
    product = _product(request, product_id)
    if not sa.can_edit(request.user, product):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    page = reverse("evaluation:self_assessment", args=[product.pk])
    if not form.is_valid():
        for error in _form_errors(form):
            messages.error(request, error)
        return redirect(page)
    code = form.cleaned_data["criterion"]
    try:
        sa.add_evidence(request.user, product, code, form.cleaned_data["file"])
    except sa.SheetUnavailable as exc:
        raise Http404(str(exc)) from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{page}#c-{code}")
    messages.success(request, _("Evidence added to criterion %(code)s.") % {"code": code})
    return redirect(f"{page}#c-{code}")


def _evidence(request, pk: int) -> SelfAssessmentEvidence:
    return get_object_or_404(
        SelfAssessmentEvidence.objects.select_related("assessment__product").filter(
            assessment__product__in=Product.objects.visible_to(request.user)
        ),
        pk=pk,
    )


@role_required(*REGISTRY_READERS)
@require_GET
def evidence_file(request, pk: int):
    """Streams an evidence file to someone who may see its product; never a public media URL."""
    evidence = _evidence(request, pk)
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=evidence.content_type,
        as_attachment=True,
        filename=evidence.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*REGISTRY_READERS)
@require_POST
def evidence_delete(request, pk: int):
    evidence = _evidence(request, pk)
    product = evidence.assessment.product
    sa.delete_evidence(request.user, evidence)  # PermissionDenied for read-only roles
    messages.success(request, _("Evidence deleted."))
    return redirect(reverse("evaluation:self_assessment", args=[product.pk]) + f"#c-{evidence.criterion}")


def _refuse_fetch(url, *args, **kwargs):
    """The PDF is made from our own HTML only: WeasyPrint fetches nothing (no file, no network)."""
    raise ValueError(f"no external resources in the self-assessment PDF ({url[:60]})")


def pdf_rows(comp: engine.Sheet, answers: dict, na: list, evidence: dict) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    part = None
    for crit in comp.criteria:
        if crit.part != part:
            part = crit.part
            rows.append({"kind": "part", "code": part, "max": comp.part_max[part]})
        points = answers.get(crit.code)
        option_vi, _en = _option_text(crit, points)
        rows.append(
            {
                "kind": "criterion",
                "code": crit.code,
                "name_vi": crit.name_vi,
                "max": crit.max_points,
                "points": points,
                "option_vi": option_vi,
                "na": crit.code in na,
                "evidence": [e.original_name for e in evidence.get(crit.code, [])],
            }
        )
    return rows


@role_required(*REGISTRY_READERS)
@require_GET
def self_pdf(request, product_id: int):
    """Form 02, Part III as a PDF: each criterion, the chosen option's official wording, points and the
    evidence names; the totals and stars (WeasyPrint, DejaVu fonts for the Vietnamese diacritics)."""
    import weasyprint
    from django.http import HttpResponse
    from django.template.loader import render_to_string
    from django.utils import timezone

    loaded = _load(request, product_id)
    product, sheet, comp, draft, saved = loaded.product, loaded.sheet, loaded.comp, loaded.draft, loaded.saved
    answers, na = loaded.answers, loaded.na
    evidence: dict[str, list] = {}
    if saved:
        for item in draft.evidence.all():
            evidence.setdefault(item.criterion, []).append(item)
    try:
        panel = sa.evaluate(comp, answers, na)
    except engine.InvalidAnswer:
        answers, na = {}, []
        panel = sa.evaluate(comp, answers, na)
    context = {
        "product": product,
        "sheet": sheet,
        "set": sheet.criteria_set,
        "draft": draft if saved else None,
        "rows": pdf_rows(comp, answers, na, evidence),
        "printed_at": timezone.localtime(),
        **panel_context(comp, panel),
    }
    html = render_to_string("evaluation/self_pdf.html", context, request=request)
    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="form-02-part-iii-{product.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
