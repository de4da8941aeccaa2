"""Provinces and communes (Decision 19/2025/QĐ-TTg codes). Public: administrative units are public data,
so these answers carry cache headers a CDN or the client may honour."""

from django.db.models import Count
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from ocop.core.api.problems import ApiProblem
from ocop.core.text import fold
from ocop.core.views import public

from .models import Commune, Province

CACHE_SECONDS = 24 * 3600

# The official terms. Both names are given whatever the request's language, so a shared cache may keep
# one answer for everybody.
KIND_NAMES_VI = {Commune.Kind.XA: "Xã", Commune.Kind.PHUONG: "Phường", Commune.Kind.DAC_KHU: "Đặc khu"}

router = Router(tags=["Places"])


class ProvinceOut(Schema):
    code: str = Field(..., description="Two-digit code (Decision 19/2025/QĐ-TTg).", examples=["80"])
    name: str = Field(..., examples=["Tỉnh Tây Ninh"])
    commune_count: int = Field(..., description="Communes, wards and special zones in the province.")


class CommuneOut(Schema):
    code: str = Field(..., description="Five-digit code.", examples=["25459"])
    name: str = Field(..., examples=["Phường Tân Ninh"])
    kind: Commune.Kind = Field(..., description="xa (commune), phuong (ward) or dac_khu (special zone).")
    kind_name_vi: str = Field(..., examples=["Phường"])
    kind_name_en: str = Field(..., examples=["Ward"])
    province_code: str

    @staticmethod
    def resolve_kind_name_vi(obj: Commune) -> str:
        return KIND_NAMES_VI.get(obj.kind, obj.kind)

    @staticmethod
    def resolve_kind_name_en(obj: Commune) -> str:
        with translation.override("en"):
            return str(obj.get_kind_display())

    @staticmethod
    def resolve_province_code(obj: Commune) -> str:
        return obj.province_id


class CommuneFilters(Schema):
    kind: Commune.Kind | None = Field(None, description="Only this kind of unit.")
    q: str | None = Field(None, max_length=100, description="Words in the name, accents optional.")


def _cacheable(response: HttpResponse) -> None:
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)


def _provinces():
    return Province.objects.annotate(commune_count=Count("communes")).order_by("code")


def _province_or_404(code: str) -> Province:
    province = _provinces().filter(code=code).first()
    if province is None:
        raise ApiProblem(404, _("No province has the code “%(code)s”.") % {"code": code})
    return province


@router.get("/provinces", response=list[ProvinceOut], auth=None, summary="List provinces")
@public
def list_provinces(request, response: HttpResponse):
    """All provinces and centrally-run cities, by code."""
    _cacheable(response)
    return list(_provinces())


@router.get("/provinces/{code}", response=ProvinceOut, auth=None, summary="Get a province")
@public
def get_province(request, code: str, response: HttpResponse):
    province = _province_or_404(code)
    _cacheable(response)
    return province


@router.get(
    "/provinces/{code}/communes", response=list[CommuneOut], auth=None, summary="List a province's communes"
)
@public
def list_communes(request, code: str, response: HttpResponse, filters: Query[CommuneFilters]):
    """Every commune, ward and special zone of a province, by name (all of them: a province has at most a
    few hundred, so there is no paging)."""
    _province_or_404(code)
    communes = Commune.objects.filter(province_id=code)
    if filters.kind:
        communes = communes.filter(kind=filters.kind)
    words = fold(filters.q or "").split()
    keyed = [(fold(c.name), c) for c in communes]
    # Sorted on the folded name, so the order is the same on SQLite and PostgreSQL whatever the collation.
    result = [
        c for key, c in sorted(keyed, key=lambda kc: (kc[0], kc[1].code)) if all(w in key for w in words)
    ]
    _cacheable(response)
    return result
