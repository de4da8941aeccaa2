"""/api/v1/dossiers: scope per role, council independence, filters, payloads, query counts."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from ocop.accounts.models import ApiToken, Role
from ocop.evaluation.models import (
    Council,
    CouncilMember,
    Decision,
    DecisionLevel,
    DocumentKind,
    Dossier,
    DossierAttachment,
    MemberRole,
    MemberScore,
    RequestType,
)
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import RoundFactory, council, document, dossier_at
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

DOSSIERS = "/api/v1/dossiers"
HA_NOI = "01"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> Client:
    _token, key = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture(params=["session", "token"])
def client_for(request, client_of):
    """Each scope test runs once through the browser session and once with a bearer token."""
    return client_of if request.param == "session" else token_client


@dataclass
class World:
    council: Council
    chair: CouncilMember
    member: CouncilMember
    other_member: CouncilMember
    dossiers: dict[str, Dossier]


def _product(producer, name):
    return ProductFactory(producer=producer, name_vi=name)


@pytest.fixture
def world(db) -> World:
    c1 = commune()
    c2 = other_commune(c1)
    e1 = ProducerFactory(name="Hợp tác xã Bánh tráng Trảng Bàng", commune=c1)
    e2 = ProducerFactory(name="Hộ kinh doanh Muối tôm", commune=c2)
    e3 = ProducerFactory(name="Công ty Gốm Bát Tràng", commune=commune(province=HA_NOI))
    round_ = RoundFactory(name="Đợt 2 năm 2026")
    hn_round = RoundFactory(name="Đợt Hà Nội", province_id=HA_NOI)
    board = council(round_, members=3)
    chair, member, other_member = board.members.order_by("id")
    d = {}
    d["draft"] = dossier_at(S.DRAFT, product=_product(e1, "Bánh tráng nháp"), round_=round_)
    d["submitted"] = dossier_at(S.SUBMITTED, product=_product(e1, "Bánh tráng me"), round_=round_)
    d["at_province"] = dossier_at(S.AT_PROVINCE, product=_product(e1, "Bánh canh"), round_=round_)
    d["in_council"] = dossier_at(
        S.IN_COUNCIL, product=_product(e1, "Bánh tráng phơi sương"), round_=round_, council_=board
    )
    d["scored"] = dossier_at(
        S.SCORED, product=_product(e1, "Bánh tráng cuốn"), round_=round_, council_=board, points="78.50"
    )
    d["at_ministry"] = dossier_at(
        S.AT_MINISTRY, product=_product(e1, "Muối ớt"), round_=round_, council_=board, points="91.00", stars=5
    )
    d["other_commune"] = dossier_at(S.SUBMITTED, product=_product(e2, "Muối tôm"), round_=round_)
    d["other_council"] = dossier_at(S.IN_COUNCIL, product=_product(e2, "Muối tôm hạt"), round_=round_)
    d["ha_noi"] = dossier_at(S.AT_PROVINCE, product=_product(e3, "Gốm men lam"), round_=hn_round)
    return World(board, chair, member, other_member, d)


def seen(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def ids(world, *names) -> set[int]:
    return {world.dossiers[n].pk for n in names}


# --- Scope per role ---------------------------------------------------------------------------------


def _scopes(world):
    e1 = world.dossiers["draft"].producer
    c1 = world.dossiers["draft"].commune
    return {
        "producer": (
            make_user(Role.PRODUCER, producer=e1),
            {"draft", "submitted", "at_province", "in_council", "scored", "at_ministry"},
        ),
        "commune": (
            make_user(Role.COMMUNE_OFFICER, commune=c1),
            {"submitted", "at_province", "in_council", "scored", "at_ministry"},
        ),
        "province": (
            make_user(Role.PROVINCE_OFFICER),
            {"at_province", "in_council", "scored", "at_ministry", "other_council"},
        ),
        "other_province": (make_user(Role.PROVINCE_OFFICER, province_id=HA_NOI), {"ha_noi"}),
        "council_member": (world.member.user, {"in_council", "scored", "at_ministry"}),
        "unassigned_council_member": (make_user(Role.COUNCIL_MEMBER), set()),
        "ministry": (make_user(Role.MINISTRY), {"at_ministry"}),
        "integrator": (make_user(Role.INTEGRATOR, province_id="80"), set()),
    }


SCOPE_NAMES = [
    "producer",
    "commune",
    "province",
    "other_province",
    "council_member",
    "unassigned_council_member",
    "ministry",
    "integrator",
]


@pytest.mark.parametrize("who", SCOPE_NAMES)
def test_each_role_lists_and_reads_exactly_its_scope(world, client_for, who):
    user, expected = _scopes(world)[who]
    if who == "commune" and Dossier.objects.visible_to(user).filter(pk=world.dossiers["draft"].pk).exists():
        expected = expected | {"draft"}  # the service lets a commune officer prepare a draft for a producer
    client = client_for(user)
    response = client.get(DOSSIERS, {"page_size": 200})
    assert seen(response) == ids(world, *expected)
    assert response.json()["count"] == len(expected)
    for name, dossier in world.dossiers.items():
        detail = client.get(f"{DOSSIERS}/{dossier.pk}")
        result = client.get(f"{DOSSIERS}/{dossier.pk}/result")
        if name in expected:
            assert detail.status_code == 200, (name, detail.content)
            assert detail.json()["id"] == dossier.pk
            assert result.status_code == 200
        else:
            # Outside the scope answers exactly like a dossier that does not exist.
            assert detail.status_code == 404, name
            assert detail["Content-Type"].startswith("application/problem+json")
            assert detail.json()["status"] == 404
            assert result.status_code == 404


def test_unknown_dossier_is_the_same_404(world, client_of):
    client = client_of(make_user(Role.PROVINCE_OFFICER))
    missing = client.get(f"{DOSSIERS}/999999")
    hidden = client.get(f"{DOSSIERS}/{world.dossiers['ha_noi'].pk}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json()["detail"] == hidden.json()["detail"]


def test_anonymous_gets_401_problem(world):
    response = Client().get(DOSSIERS)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert Client().get(f"{DOSSIERS}/{world.dossiers['submitted'].pk}").status_code == 401


def test_inactive_users_token_is_refused(world):
    user = make_user(Role.PROVINCE_OFFICER)
    client = token_client(user)
    user.is_active = False
    user.save()
    assert client.get(DOSSIERS).status_code == 401


def test_superuser_sees_everything(world, client_of):
    admin = make_user(Role.MINISTRY, is_superuser=True)
    assert seen(client_of(admin).get(DOSSIERS, {"page_size": 200})) == {d.pk for d in world.dossiers.values()}


# --- Council independence ---------------------------------------------------------------------------


def _score(member, dossier, total, submitted=True, answers=None):
    return MemberScore.objects.create(
        dossier=dossier,
        member=member,
        scoring_round=1,
        answers=answers or {"1.1": 2},
        total=Decimal(total),
        stars=4 if total >= 70 else 3,
        submitted_at=datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC) if submitted else None,
    )


def _numbers(value, key=None):
    """Every (key, number) pair in a JSON answer, however deep."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v, key)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield key, value


def test_member_sees_only_own_score_before_close(world, client_for):
    dossier = world.dossiers["in_council"]
    _score(world.chair, dossier, 81)
    _score(world.member, dossier, 74)
    _score(world.other_member, dossier, 69)
    client = client_for(world.member.user)
    for url in (f"{DOSSIERS}/{dossier.pk}", f"{DOSSIERS}/{dossier.pk}/result"):
        body = client.get(url).json()
        result = body.get("result", body)
        assert result["closed"] is False
        assert [(s["total"], s["own"]) for s in result["member_scores"]] == [(74.0, True)]
        assert result["points"] is None and result["stars"] is None and result["spread"] is None
        # Nothing about the other members' sheets anywhere in the answer: no total or points of 81 or 69
        # under any key (a bare "81" in the text could be an id or a date).
        assert not {v for k, v in _numbers(body) if k in {"total", "points", "mean"}} & {81, 69}


@pytest.mark.parametrize("who", ["province", "producer", "commune"])
def test_others_see_no_member_score_before_close(world, client_of, who):
    dossier = world.dossiers["in_council"]
    _score(world.chair, dossier, 81)
    _score(world.member, dossier, 74)
    user, _expected = _scopes(world)[who]
    result = client_of(user).get(f"{DOSSIERS}/{dossier.pk}/result").json()
    assert result["member_scores"] == []


def test_forged_requests_for_a_not_assigned_dossier_read_nothing(world, client_of):
    """A council member asking for a dossier of another council (same province) gets a 404, not scores."""
    other = world.dossiers["other_council"]
    other_board = other.council
    chair = other_board.members.get(role=MemberRole.CHAIR)
    _score(chair, other, 88)
    client = client_of(world.member.user)
    for url in (f"{DOSSIERS}/{other.pk}", f"{DOSSIERS}/{other.pk}/result"):
        response = client.get(url)
        assert response.status_code == 404
        assert "88" not in response.content.decode()


def test_all_totals_visible_after_close(world, client_of):
    dossier = world.dossiers["scored"]  # closed_at is set
    dossier.result = {
        "spread": 12,
        "unmet_minimums": [{"criterion": "5", "stars": 5, "required_points": 3, "given_points": 1}],
    }
    dossier.save()
    _score(world.chair, dossier, 84)
    _score(world.member, dossier, 76)
    _score(world.other_member, dossier, 72)
    for user in (world.member.user, make_user(Role.PROVINCE_OFFICER)):
        result = client_of(user).get(f"{DOSSIERS}/{dossier.pk}/result").json()
        assert result["closed"] is True
        assert sorted(s["total"] for s in result["member_scores"]) == [72.0, 76.0, 84.0]
        assert result["points"] == 78.5 and result["stars"] == 4
        assert result["spread"] == 12.0
        assert result["unmet"] == [{"criterion": "5", "stars": 5, "required_points": 3, "given_points": 1}]
        own = [s for s in result["member_scores"] if s["own"]]
        assert len(own) == (1 if user == world.member.user else 0)
    # The producer and the commune see the council's result, never the members' sheets.
    for user in (
        make_user(Role.PRODUCER, producer=dossier.producer),
        make_user(Role.COMMUNE_OFFICER, commune=dossier.commune),
    ):
        result = client_of(user).get(f"{DOSSIERS}/{dossier.pk}/result").json()
        assert result["points"] == 78.5 and result["stars"] == 4
        assert result["member_scores"] == []


def test_other_members_draft_stays_hidden_after_close(world, client_of):
    dossier = world.dossiers["scored"]
    _score(world.chair, dossier, 84)
    _score(world.other_member, dossier, 60, submitted=False)
    result = client_of(world.member.user).get(f"{DOSSIERS}/{dossier.pk}/result").json()
    assert [s["total"] for s in result["member_scores"]] == [84.0]


# --- Payloads and filters ---------------------------------------------------------------------------


def test_list_item_fields(world, client_of):
    dossier = world.dossiers["at_ministry"]
    decision = Decision.objects.create(
        province_id="80",
        round=dossier.round,
        level=DecisionLevel.PROVINCE,
        number="1234/QĐ-UBND",
        date=datetime.date(2026, 12, 20),
    )
    Dossier.objects.filter(pk=dossier.pk).update(decision=decision)
    response = client_of(make_user(Role.MINISTRY)).get(DOSSIERS)
    assert response["Content-Type"].startswith("application/json")
    assert "Đợt 2 năm 2026" in response.content.decode()  # UTF-8, not \u escapes
    (item,) = response.json()["results"]
    assert item["id"] == dossier.pk
    assert item["receipt_number"] == dossier.receipt_number
    assert item["product_code"] == dossier.product_code
    assert item["product"] == {"id": dossier.product_id, "name": "Muối ớt"}
    assert item["producer"] == {"id": dossier.producer_id, "name": "Hợp tác xã Bánh tráng Trảng Bàng"}
    assert item["commune"] == {"code": dossier.commune_id, "name": dossier.commune.name}
    assert item["round"] == {"id": dossier.round_id, "name": "Đợt 2 năm 2026"}
    assert item["request_type"] == "first"
    assert item["status"] == "at_ministry"
    assert item["commune_deadline"] == dossier.commune_deadline.isoformat()
    assert item["points"] == 91.0 and item["stars"] == 5
    assert item["decision"] == {"number": "1234/QĐ-UBND", "date": "2026-12-20", "level": "province"}


def test_points_hidden_until_closed(world, client_of):
    dossier = world.dossiers["in_council"]
    Dossier.objects.filter(pk=dossier.pk).update(points=Decimal("75"), stars=4)  # e.g. a provisional value
    item = client_of(world.member.user).get(f"{DOSSIERS}/{dossier.pk}").json()
    assert item["points"] is None and item["stars"] is None


def test_filters(world, client_of):
    client = client_of(make_user(Role.PRODUCER, producer=world.dossiers["draft"].producer))
    assert seen(client.get(DOSSIERS, {"status": "draft"})) == ids(world, "draft")
    assert seen(client.get(DOSSIERS, {"round": world.dossiers["draft"].round_id})) == ids(
        world, "draft", "submitted", "at_province", "in_council", "scored", "at_ministry"
    )
    assert seen(client.get(DOSSIERS, {"round": 999999})) == set()
    assert seen(client.get(DOSSIERS, {"request_type": "upgrade"})) == set()
    Dossier.objects.filter(pk=world.dossiers["submitted"].pk).update(request_type=RequestType.UPGRADE)
    assert seen(client.get(DOSSIERS, {"request_type": "upgrade"})) == ids(world, "submitted")
    province = client_of(make_user(Role.PROVINCE_OFFICER))
    c2 = world.dossiers["other_council"].commune_id
    assert seen(province.get(DOSSIERS, {"commune": c2})) == ids(world, "other_council")
    bad = client.get(DOSSIERS, {"status": "nonsense", "commune": "12"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"status", "commune"}


def test_detail_has_forms_self_score_and_attachments_without_file_addresses(world, client_of):
    dossier = world.dossiers["at_province"]
    dossier.form02 = {"part1": {"organisation_type": "Hợp tác xã"}}
    dossier.self_answers = {"bogus": 3}
    dossier.save()
    doc = document(dossier.producer, DocumentKind.FOOD_SAFETY, expires_on=datetime.date(2027, 5, 1))
    DossierAttachment.objects.create(dossier=dossier, document=doc, kind=DocumentKind.FOOD_SAFETY)
    response = client_of(make_user(Role.PROVINCE_OFFICER)).get(f"{DOSSIERS}/{dossier.pk}")
    body = response.json()
    assert body["form01"] == {"product_name": "Bánh canh"}
    assert body["form02"] == {"part1": {"organisation_type": "Hợp tác xã"}}
    assert body["form03"]["local_labour"] == "12 lao động"
    assert body["sheet"] == dossier.sheet.number
    assert body["self_score"]["answered"] == 0  # an unknown criterion is not counted
    assert body["self_score"]["criteria"] > 10
    (att,) = body["attachments"]
    assert att["kind"] == "food_safety" and att["title"] == doc.title
    assert att["expires_on"] == "2027-05-01"
    # The stored file's path never appears; a download address only through the checked view.
    assert doc.file.name not in response.content.decode()
    if att["download_url"] is not None:  # the library's own permission-checked view
        from django.urls import reverse

        assert att["download_url"] == "http://testserver" + reverse(
            "evaluation:library_download", args=[doc.pk]
        )


def test_self_score_counts_valid_answers(world, client_of):
    from ocop.criteria.sheets import compiled_sheet

    dossier = world.dossiers["at_province"]
    sheet = compiled_sheet(dossier.sheet)
    answers = {c.code: max(c.allowed) for c in sheet.criteria}
    dossier.self_answers = answers
    dossier.save()
    body = client_of(make_user(Role.PROVINCE_OFFICER)).get(f"{DOSSIERS}/{dossier.pk}").json()
    assert body["self_score"]["answered"] == len(sheet.criteria)
    assert body["self_score"]["total"] == sheet.max_total
    assert body["self_score"]["stars"] == 5


def test_list_query_count_is_fixed(world, client_of, django_assert_max_num_queries):
    user = make_user(Role.PROVINCE_OFFICER)
    client = client_of(user)
    client.get(DOSSIERS)  # warm up session and caches
    with django_assert_max_num_queries(6) as small:
        client.get(DOSSIERS)
    round_ = world.dossiers["at_province"].round
    producer = ProducerFactory(commune=commune())
    for i in range(15):
        dossier_at(S.CHECKED, product=_product(producer, f"Sản phẩm {i}"), round_=round_)
    with django_assert_max_num_queries(6) as large:
        response = client.get(DOSSIERS)
    assert response.json()["count"] == 20
    assert len(large.captured_queries) == len(small.captured_queries)


def test_detail_query_count_is_fixed(world, client_of, django_assert_max_num_queries):
    dossier = world.dossiers["scored"]
    client = client_of(world.member.user)
    client.get(f"{DOSSIERS}/{dossier.pk}")
    with django_assert_max_num_queries(12) as few:
        client.get(f"{DOSSIERS}/{dossier.pk}")
    for i in range(4):
        doc = document(dossier.producer, DocumentKind.LAB_RESULT)
        DossierAttachment.objects.create(
            dossier=dossier, document=doc, kind=DocumentKind.LAB_RESULT, criterion=str(i)
        )
    _score(world.chair, dossier, 84)
    _score(world.member, dossier, 76)
    _score(world.other_member, dossier, 72)
    with django_assert_max_num_queries(12) as many:
        body = client.get(f"{DOSSIERS}/{dossier.pk}").json()
    assert len(body["attachments"]) == 4 and len(body["result"]["member_scores"]) == 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/dossiers", "/api/v1/dossiers/{dossier_id}", "/api/v1/dossiers/{dossier_id}/result"):
        assert "get" in schema["paths"][path]
