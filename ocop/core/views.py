from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render

from ocop.accounts.access import public
from ocop.evaluation import inbox
from ocop.places.models import Province
from ocop.registry.models import Entity, Product, ProductStatus


def star_counts(products) -> dict[str, int]:
    """Products in the queryset, and those holding a valid 3★/4★/5★ rating (expired and revoked left out)."""
    rated = Q(status=ProductStatus.RATED)
    return products.aggregate(
        total=Count("id"),
        three=Count("id", filter=rated & Q(stars=3)),
        four=Count("id", filter=rated & Q(stars=4)),
        five=Count("id", filter=rated & Q(stars=5)),
    )


@public
def home(request):
    """Signed in: the counts of the user's area. Anonymous: the programme's rated products in the
    province this installation serves (public figures) and a sign-in link."""
    if request.user.is_authenticated:
        context = {
            "counts": star_counts(Product.objects.visible_to(request.user)),
            "entity_count": Entity.objects.visible_to(request.user).count(),
            "waiting": [s for s in inbox.sections(request.user) if s.items],
        }
    else:
        province = Province.objects.filter(pk=settings.OCOP_DEFAULT_PROVINCE_CODE).first()
        counts = star_counts(Product.objects.filter(entity__commune__province=province)) if province else {}
        context = {"province": province, "counts": counts}
    return render(request, "core/home.html", context)


@public
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
