from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ocop.core.views import public
from ocop.evaluation import inbox
from ocop.places.models import Province
from ocop.registry.models import Producer, Product, ProductStatus


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
            "producer_count": Producer.objects.visible_to(request.user).count(),
            "waiting": [s for s in inbox.sections(request.user) if s.items],
        }
    else:
        province = Province.objects.filter(pk=settings.OCOP_DEFAULT_PROVINCE_CODE).first()
        counts = star_counts(Product.objects.filter(producer__commune__province=province)) if province else {}
        context = {"province": province, "counts": counts}
    return render(request, "site/home.html", context)


@public
@require_GET
@never_cache
def set_language(request, code: str):
    """The language switch as a plain link, so that public pages carry no form and no CSRF cookie and
    a shared cache can keep them (Django's own view takes only a POST). It sets the same cookie."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@public
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
