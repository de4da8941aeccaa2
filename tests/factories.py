"""factory-boy factories shared by the tests. Places come from the data migration (real codes)."""

import factory
from factory.django import DjangoModelFactory

from ocop.accounts.models import Role, User
from ocop.places.models import Commune
from ocop.registry.models import Producer, ProducerType, Product, SalesChannel

TAY_NINH = "80"


def commune(code: str | None = None, province: str = TAY_NINH) -> Commune:
    if code:
        return Commune.objects.get(pk=code)
    return Commune.objects.filter(province_id=province).order_by("code").first()


def other_commune(than: Commune) -> Commune:
    """Another commune of the same province."""
    return Commune.objects.filter(province_id=than.province_id).exclude(pk=than.pk).order_by("code").first()


class TaxCodeSequence:
    """Valid 10-digit Vietnamese tax codes (the 10th digit is the stdnum check digit)."""

    @staticmethod
    def make(n: int, prefix: str = "39") -> str:
        """The n-th code of a series: each n owns the serials 11n+1 … 11n+11 (so codes never repeat),
        and takes the first whose check value is a single digit (stdnum refuses a check value of 10)."""
        from stdnum.vn import mst

        for serial in range(11 * n + 1, 11 * n + 12):
            base = f"{prefix}{serial % 10_000_000:07d}"
            code = base + mst.calc_check_digit(base)
            if mst.is_valid(code):
                return code
        raise ValueError(n)


class ProducerFactory(DjangoModelFactory):
    class Meta:
        model = Producer

    name = factory.Sequence(lambda n: f"Hợp tác xã Nông nghiệp Số {n}")
    producer_type = ProducerType.COOPERATIVE
    tax_code = factory.Sequence(TaxCodeSequence.make)
    commune = factory.LazyFunction(commune)
    representative_name = "Nguyễn Thị Hoa"
    representative_gender = "female"
    representative_ethnicity = "Kinh"
    address = "Ấp Bình Hòa"


class SalesChannelFactory(DjangoModelFactory):
    class Meta:
        model = SalesChannel

    producer = factory.SubFactory(ProducerFactory)
    kind = SalesChannel.Kind.ECOMMERCE
    name = "Shopee"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    producer = factory.SubFactory(ProducerFactory)
    name_vi = factory.Sequence(lambda n: f"Bánh tráng phơi sương Trảng Bàng {n}")
    name_en = factory.Sequence(lambda n: f"Dew-dried rice paper {n}")
    product_set = "I.3.a"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Trần Văn {n}")
    password = factory.PostGenerationMethodCall("set_password", "mật-khẩu-thử-1")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(role: str, **kwargs) -> User:
    """A user of a role with the scope that role needs (Tây Ninh by default)."""
    if role in (Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER):
        kwargs.setdefault("province_id", TAY_NINH)
    elif role == Role.COMMUNE_OFFICER:
        kwargs.setdefault("commune", commune())
    elif role == Role.PRODUCER:
        kwargs.setdefault("producer", ProducerFactory())
    return UserFactory(role=role, **kwargs)


# --- Registry pages: ratings and photos --------------------------------------------------------


class StarRatingFactory(DjangoModelFactory):
    class Meta:
        model = "registry.StarRating"

    product = factory.SubFactory(ProductFactory)
    stars = 4
    points = "75.50"
    decision_number = factory.Sequence(lambda n: f"{100 + n}/QĐ-UBND")
    decision_date = factory.LazyFunction(lambda: _date(2025, 3, 14))


def _date(year: int, month: int, day: int):
    import datetime

    return datetime.date(year, month, day)


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (640, 480), mode: str = "RGB", color="#c0392b"
) -> bytes:
    """A real image made by Pillow, in memory."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(name: str = "photo.png", fmt: str = "PNG", **kwargs):
    """An uploaded file as a browser would send it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}.get(
        fmt, "application/octet-stream"
    )
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type=content_type)


def make_photo(product, user=None, **kwargs):
    """A stored product photo (full image and thumbnail), added through the service as an officer would."""
    from ocop.registry import services

    user = user or make_user(Role.PROVINCE_OFFICER, province_id=product.producer.commune.province_id)
    return services.add_photo(user, product, image_upload(**kwargs))


def valid_tax_code(n: int) -> str:
    """The n-th valid 10-digit tax code of a series apart from the factory's (prefix 37)."""
    return TaxCodeSequence.make(n, prefix="37")
