from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render

from ocop.accounts.access import public
from ocop.registry.models import Entity, Product


@public
def home(request):
    """Signed in: the counts of the user's area. Anonymous: what the platform is and a sign-in link."""
    context = {}
    if request.user.is_authenticated:
        products = Product.objects.visible_to(request.user)
        context["counts"] = products.aggregate(
            total=Count("id"),
            three=Count("id", filter=Q(stars=3)),
            four=Count("id", filter=Q(stars=4)),
            five=Count("id", filter=Q(stars=5)),
        )
        context["entity_count"] = Entity.objects.visible_to(request.user).count()
    return render(request, "core/home.html", context)


@public
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
