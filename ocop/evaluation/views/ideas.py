"""The product ideas: the list, registering one, and an idea's page with the commune's guidance.

Thin by design: objects are found through the user's scope (outside it → 404), the role is checked by
`role_required` (a role that never may → 403), and every change is a service call; a refused change
shows its message and writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ocop.accounts.access import role_required
from ocop.accounts.models import Role
from ocop.core.views import page_of

from ..forms.ideas import IdeaCommentForm, IdeaForm, IdeaStatusForm
from ..models import Idea
from ..services import ideas as idea_services
from ..services import library
from ._shared import FILERS, GET_POST, _errors, _refused

IDEA_ROLES = (Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)


# ------------------------------------------------------------------------------------------ ideas


def _idea(request, pk: int):
    return get_object_or_404(Idea.objects.visible_to(request.user).select_related("producer__commune"), pk=pk)


@role_required(*IDEA_ROLES)
def idea_list(request):
    ideas = (
        Idea.objects.visible_to(request.user)
        .select_related("producer__commune")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status")
    if status:
        ideas = ideas.filter(status=status)
    can_create = library.manageable_producers(request.user).exists()
    return render(
        request,
        "evaluation/idea_list.html",
        {"page_obj": page_of(request, ideas), "can_create": can_create, "status": status},
    )


@role_required(*FILERS)
@GET_POST
def idea_create(request):
    producers = library.manageable_producers(request.user).order_by("name")
    if not producers.exists():
        raise PermissionDenied
    form = IdeaForm(request.POST or None, producers=producers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            idea = idea_services.register(
                request.user,
                data["producer"],
                title=data["title"],
                description=data["description"],
                product_set=data["product_set"] or "",
                raw_materials=data["raw_materials"],
            )
        except (ValidationError, PermissionDenied) as exc:
            for text in _errors(exc):
                form.add_error(None, text)
        else:
            messages.success(request, _("The idea was registered."))
            return redirect("evaluation:idea_detail", idea.pk)
    return render(request, "evaluation/idea_form.html", {"form": form})


@role_required(*IDEA_ROLES)
@GET_POST
def idea_detail(request, pk: int):
    idea = _idea(request, pk)
    can_guide = idea_services.can_guide(request.user, idea)
    can_comment = idea_services.can_comment(request.user, idea)
    comment_form = IdeaCommentForm()
    status_form = IdeaStatusForm(initial={"status": idea.status})
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "status":
            if not can_guide:
                raise PermissionDenied
            status_form = IdeaStatusForm(request.POST)
            if status_form.is_valid():
                try:
                    idea_services.set_status(request.user, idea, status_form.cleaned_data["status"])
                except (ValidationError, PermissionDenied) as exc:
                    _refused(request, exc)
                else:
                    messages.success(request, _("The status was saved."))
                    return redirect("evaluation:idea_detail", idea.pk)
        elif op == "comment":
            if not can_comment:
                raise PermissionDenied
            comment_form = IdeaCommentForm(request.POST)
            if comment_form.is_valid():
                try:
                    idea_services.comment(request.user, idea, comment_form.cleaned_data["text"])
                except (ValidationError, PermissionDenied) as exc:
                    _refused(request, exc)
                else:
                    messages.success(request, _("The comment was added."))
                    return redirect("evaluation:idea_detail", idea.pk)
        else:
            messages.error(request, _("Unknown action."))
    return render(
        request,
        "evaluation/idea_detail.html",
        {
            "idea": idea,
            "comments": idea.comments.select_related("author"),
            "can_guide": can_guide,
            "can_comment": can_comment,
            "comment_form": comment_form,
            "status_form": status_form,
        },
    )
