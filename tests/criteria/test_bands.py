"""Star bands have one home: the criteria set's data. The central result and a manual rating are
bounded by the bands of the product's own set, not by numbers written into the code."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ocop.criteria.models import CriteriaSet
from ocop.criteria.services import load_set
from ocop.criteria.sheets import band_stars
from ocop.evaluation.services.decisions import check_central

pytestmark = pytest.mark.django_db


def a_set_with_bands(qd26_copy, bands: list[dict]) -> str:
    """A correction of Decision 26 (a new set id, as corrections are) whose bands differ."""
    qd26_copy["star_bands"] = [dict(band, text_vi=f"Hạng {band['stars']} sao") for band in bands]
    load_set(qd26_copy)
    assert CriteriaSet.objects.filter(pk=qd26_copy["id"]).exists()
    return qd26_copy["id"]


def test_bands_of_decision_26(qd26):
    assert [band_stars(qd26.pk, p) for p in (0, 29.99, 30, 49.99, 50, 69.99, 70, 89.99, 90, 100)] == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_a_set_with_other_bands_is_followed(qd26_copy):
    set_id = a_set_with_bands(
        qd26_copy,
        [{"stars": 5, "min_points": 95}, {"stars": 4, "min_points": 75}, {"stars": 3, "min_points": 55},
         {"stars": 2, "min_points": 35}, {"stars": 1, "min_points": 0}],
    )  # fmt: skip
    assert band_stars(set_id, Decimal("92")) == 4
    with pytest.raises(ValidationError) as refused:
        check_central("92", "5", set_id)
    assert "4" in str(refused.value)
    assert check_central("96,5", "5", set_id) == (Decimal("96.5"), 5)
