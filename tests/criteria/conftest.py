"""Shared by the criteria tests: the published Decision 26 set (loaded by a data migration; put back
when a transactional test elsewhere flushed the tables) and small synthetic sets."""

import copy

import pytest
from django.core.cache import cache

from ocop.criteria.loader import QD26_FILE, read_file
from ocop.criteria.models import CriteriaSet
from ocop.criteria.services import load_qd26

QD26 = "qd26-2026"


@pytest.fixture(scope="session")
def qd26_data():
    return read_file(QD26_FILE)


@pytest.fixture
def qd26_copy(qd26_data):
    """A deep copy of the Decision 26 data under a new id, to break in a test."""
    data = copy.deepcopy(qd26_data)
    data["id"] = "qd26-test-copy"
    return data


@pytest.fixture
def qd26(db):
    if not CriteriaSet.objects.filter(pk=QD26).exists():
        load_qd26()
    return CriteriaSet.objects.get(pk=QD26)


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def tiny_set(set_id="tiny-1048", maxima=None, declare=None):
    """A valid set with one sheet: one section per part, one criterion per section, options 0..max.
    `declare` is what the set says its part maxima are (defaults to `maxima`)."""
    maxima = maxima or {"A": 35, "B": 25, "C": 40}
    parts = []
    for code, points in maxima.items():
        options = [
            {
                "text_vi": f"Mức {p}",
                "text_en": f"Level {p}",
                "points": p,
                "min_for_stars": 3 if p == points else None,
            }
            for p in range(points + 1)
        ]
        criterion = {
            "code": f"{code}1.1",
            "name_vi": f"Tiêu chí {code}",
            "max_points": points,
            "options": options,
        }
        section = {
            "code": f"{code}1",
            "name_vi": f"Mục {code}",
            "max_points": points,
            "criteria": [criterion],
        }
        parts.append({"code": code, "name_vi": f"Phần {code}", "max_points": points, "sections": [section]})
    return {
        "id": set_id,
        "title_vi": "Bộ tiêu chí thử nghiệm",
        "title_en": "Test set",
        "legal_basis": "Quyết định 1048/QĐ-TTg",
        "effective_date": "2019-08-21",
        "part_maxima": declare or maxima,
        "groups": [],
        "sheets": [
            {"number": 1, "name_vi": "Phiếu thử", "name_en": "Test sheet", "group": "I", "parts": parts}
        ],
    }
