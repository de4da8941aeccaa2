"""The public criteria pages: the list of sets, a set's sheets, one sheet in full."""

import html
import re

import pytest
from django.urls import reverse

from ocop.criteria.models import Sheet
from ocop.criteria.services import load_set

from .conftest import QD26, tiny_set

pytestmark = pytest.mark.django_db


def sheet_url(number, set_id=QD26):
    return reverse("criteria:sheet_detail", args=[set_id, number])


def text_of(response) -> str:
    return html.unescape(response.content.decode("utf-8"))


def test_set_list_is_public_and_shows_decision_26(client, qd26):
    load_set(tiny_set("draft-hidden"))  # drafts are not shown
    response = client.get(reverse("criteria:set_list"))
    assert response.status_code == 200
    body = text_of(response)
    assert "Bộ tiêu chí đánh giá, phân hạng sản phẩm OCOP" in body
    assert reverse("criteria:set_detail", args=[QD26]) in body
    assert "draft-hidden" not in body
    assert "max-age=" in response["Cache-Control"]


def test_set_detail_lists_the_26_sheets_by_group(client, qd26):
    response = client.get(reverse("criteria:set_detail", args=[QD26]))
    assert response.status_code == 200
    body = text_of(response)
    links = re.findall(rf'href="/criteria/{QD26}/sheets/(\d+)/"', body)
    assert sorted(map(int, links)) == list(range(1, 27))
    for group in qd26.classification:
        assert f"{group['code']}. {group['name_vi']}" in body
    # Group I (food) comes before group VI (tourism), as in Annex I.
    assert body.index("SẢN PHẨM THỰC PHẨM") < body.index("/sheets/26/")


@pytest.mark.parametrize("number", range(1, 27))
def test_each_sheet_renders_in_full(client, qd26, number):
    sheet = Sheet.objects.get(criteria_set=qd26, number=number)
    response = client.get(sheet_url(number), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = text_of(response)
    assert sheet.name_vi in body
    data = sheet.data
    marks = {"3": 0, "4": 0, "5": 0}
    for part in data["parts"]:
        assert part["name_vi"] in body
        for section in part["sections"]:
            assert section["name_vi"] in body
            for criterion in section["criteria"]:
                assert criterion["name_vi"] in body
                assert f'id="c-{criterion["code"]}"' in body
                for option in criterion["options"]:
                    assert option["text_vi"] in body
                    if option.get("text_en"):
                        assert option["text_en"] in body
                    if option["min_for_stars"]:
                        marks[str(option["min_for_stars"])] += 1
            for group in section.get("criterion_groups") or []:
                assert f"{group['code']}. {group['name_vi']}" in body
    # One badge per marked option, plus one of each in the legend.
    for stars, count in marks.items():
        assert body.count(f'class="mark mark-{stars}"') == count + 1, stars
    assert marks == {k: v for k, v in data["star_mark_counts"].items()}
    for item in data["disqualifiers_vi"]:
        assert item in body
    for note in data.get("notes_vi") or []:
        assert note in body
    assert "the lower of the points band and the highest level whose marks are all met" in body


def test_sheet_page_bilingual_with_official_text_first(client, qd26):
    body = text_of(client.get(sheet_url(1), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Hồ sơ bị loại khi" in body
    assert "unofficial working translation" in body
    vi, en = "Nguồn gốc sản phẩm", "Product origin"
    assert body.index(vi) < body.index(en)
    assert (
        '<span class="crit-en" lang="en">Product origin</span>' in body or 'lang="en">Product origin' in body
    )
    # The raw bytes carry the Vietnamese letters themselves, not producers.
    assert "Giả mạo hồ sơ".encode() in client.get(sheet_url(1)).content


def test_sheet_26_shows_both_alternative_cases(client, qd26):
    body = text_of(client.get(sheet_url(26)))
    assert "a. Trường hợp 1: Dịch vụ du lịch do cộng đồng cung cấp" in body
    assert "b. Trường hợp 2: Điểm dịch vụ du lịch" in body


def test_corrected_points_are_explained(client, qd26):
    body = text_of(client.get(sheet_url(4), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Printed as 13 points in the decision; corrected" in body
    assert "Printed as" not in text_of(client.get(sheet_url(1), HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.parametrize(
    "url",
    [
        "/criteria/qd99-1999/",
        "/criteria/qd99-1999/sheets/1/",
        f"/criteria/{QD26}/sheets/27/",
        f"/criteria/{QD26}/sheets/0/",
        "/criteria/draft-only/",
        "/criteria/draft-only/sheets/1/",
    ],
)
def test_unknown_set_sheet_or_draft_is_404(client, qd26, url):
    load_set(tiny_set("draft-only"))
    assert client.get(url).status_code == 404


def test_query_count_is_fixed_whatever_the_sheet(client, qd26, django_assert_num_queries):
    for number in (1, 11, 26):  # the smallest and the largest sheets alike
        with django_assert_num_queries(2):
            assert client.get(sheet_url(number)).status_code == 200
    with django_assert_num_queries(2):
        client.get(reverse("criteria:set_detail", args=[QD26]))
    with django_assert_num_queries(1):
        client.get(reverse("criteria:set_list"))


def test_signed_in_visitor_sees_the_same_sheet(client_of, user_of, qd26):
    from ocop.accounts.models import Role

    client = client_of(user_of(Role.PRODUCER))
    response = client.get(sheet_url(5))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]
    assert response["ETag"].startswith(f'W/"{qd26.content_hash[:16]}-5')


def test_nav_links_to_criteria(client, qd26):
    body = client.get(reverse("site:home")).content.decode()
    assert f'href="{reverse("criteria:set_list")}"' in body


def test_admin_shows_a_published_set_read_only_and_refuses_deleting_it(client, qd26):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root-criteria", "root@example.org", "x")
    client.force_login(admin)
    change = reverse("admin:criteria_criteriaset_change", args=[QD26])
    response = client.get(change, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = text_of(response)
    assert "is published and cannot be changed or deleted" in body
    assert 'name="title_vi"' not in body  # no editable field
    assert client.get(reverse("admin:criteria_criteriaset_delete", args=[QD26])).status_code == 403
    assert client.get(reverse("admin:criteria_criteriaset_changelist")).status_code == 200
    sheet = qd26.sheets.get(number=1)
    assert client.get(reverse("admin:criteria_sheet_change", args=[sheet.pk])).status_code == 200
    assert client.get(reverse("admin:criteria_sheet_delete", args=[sheet.pk])).status_code == 403
