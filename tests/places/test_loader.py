import pytest

from ocop.places.loader import load_places, read_units
from ocop.places.models import Commune, Province


@pytest.mark.django_db
def test_migration_loaded_every_unit_with_official_codes():
    provinces, communes = read_units()
    assert Province.objects.count() == len(provinces) == 34
    assert Commune.objects.count() == len(communes) == 3321
    assert Province.objects.get(pk="80").name == "Tỉnh Tây Ninh"
    assert Commune.objects.filter(province_id="80").count() == 96
    assert Commune.objects.get(pk="06970").name == "Xã Ba Chẽ"


@pytest.mark.django_db
def test_reload_is_idempotent_and_repairs_changed_names():
    Commune.objects.filter(pk="06970").update(name="Xã Ba Che")
    first = load_places(Province, Commune)
    assert first == {"created": 0, "updated": 1}
    assert Commune.objects.get(pk="06970").name == "Xã Ba Chẽ"
    assert load_places(Province, Commune) == {"created": 0, "updated": 0}


@pytest.mark.django_db
def test_reload_restores_a_deleted_commune():
    Commune.objects.filter(pk="06970").delete()
    assert load_places(Province, Commune)["created"] == 1
    assert Commune.objects.filter(pk="06970", province_id="22").exists()
