"""Rounds (Art. 5): default dates, opening, the two-a-year warning, closing only when every dossier is
finished."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.evaluation.models import Round, RoundKind, RoundStatus
from ocop.evaluation.services import rounds
from ocop.evaluation.workflow import DossierStatus as S
from ocop.evaluation.workflow import IllegalTransition
from tests.evaluation.factories import RoundFactory, dossier_at
from tests.factories import TAY_NINH, make_user


def test_default_dates_follow_art_5():
    assert rounds.default_dates(2027, RoundKind.FIRST_HALF) == (dt.date(2027, 4, 30), dt.date(2027, 6, 30))
    assert rounds.default_dates(2027, RoundKind.SECOND_HALF) == (dt.date(2027, 10, 30), dt.date(2027, 12, 30))
    assert rounds.default_dates(2027, RoundKind.EXTRA) is None
    with pytest.raises(ValueError):
        rounds.default_dates(2027, "third")


@given(st.integers(min_value=2000, max_value=2200), st.sampled_from(list(rounds.REGULAR_KINDS)))
def test_regular_rounds_fall_in_their_year_with_the_cutoff_two_months_before(year, kind):
    cutoff, due = rounds.default_dates(year, kind)
    assert cutoff.year == due.year == year
    assert cutoff < due and cutoff.day == due.day == 30
    assert due.month - cutoff.month == 2


@given(st.integers(min_value=2000, max_value=2200))
def test_the_two_regular_rounds_do_not_overlap(year):
    first = rounds.default_dates(year, RoundKind.FIRST_HALF)
    second = rounds.default_dates(year, RoundKind.SECOND_HALF)
    assert first[1] < second[0]


# --- services --------------------------------------------------------------------------------------


@pytest.fixture
def officer(db):
    return make_user(Role.PROVINCE_OFFICER)


def test_open_a_regular_round_with_defaults(officer):
    events = AuditEvent.objects.count()
    created = rounds.open_round(officer, year=2027, kind=RoundKind.FIRST_HALF)
    assert created.province_id == TAY_NINH
    assert (created.commune_cutoff, created.decision_due) == (dt.date(2027, 4, 30), dt.date(2027, 6, 30))
    assert created.name and "2027" in created.name
    assert created.status == RoundStatus.OPEN and created.created_by == officer
    assert AuditEvent.objects.count() == events + 1


def test_extra_round_needs_both_dates_in_order(officer):
    with pytest.raises(ValidationError) as exc:
        rounds.open_round(officer, year=2027, kind=RoundKind.EXTRA)
    assert {"commune_cutoff", "decision_due"} <= set(exc.value.error_dict)
    with pytest.raises(ValidationError) as exc:
        rounds.open_round(
            officer,
            year=2027,
            kind=RoundKind.EXTRA,
            commune_cutoff=dt.date(2027, 8, 1),
            decision_due=dt.date(2027, 8, 1),
        )
    assert "decision_due" in exc.value.error_dict
    assert not Round.objects.exists()
    extra = rounds.open_round(
        officer,
        year=2027,
        kind=RoundKind.EXTRA,
        name="Đợt bổ sung",
        commune_cutoff=dt.date(2027, 7, 15),
        decision_due=dt.date(2027, 8, 30),
    )
    assert extra.name == "Đợt bổ sung"


@pytest.mark.parametrize(
    "kind,cutoff,due,field",
    [
        (RoundKind.FIRST_HALF, dt.date(2027, 5, 15), None, "commune_cutoff"),  # after 30 Apr
        (RoundKind.FIRST_HALF, None, dt.date(2027, 7, 15), "decision_due"),  # after 30 Jun
        (RoundKind.SECOND_HALF, dt.date(2026, 10, 1), None, "commune_cutoff"),  # another year
        (RoundKind.SECOND_HALF, None, dt.date(2028, 1, 15), "decision_due"),  # after 30 Dec
    ],
)
def test_regular_round_dates_no_later_than_art_5(officer, kind, cutoff, due, field):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        rounds.open_round(officer, year=2027, kind=kind, commune_cutoff=cutoff, decision_due=due)
    assert field in exc.value.error_dict
    assert "Điều 5" in exc.value.error_dict[field][0].messages[0]
    assert not Round.objects.exists() and AuditEvent.objects.count() == events
    # Earlier dates are the province's choice.
    early = rounds.open_round(
        officer,
        year=2027,
        kind=RoundKind.FIRST_HALF,
        commune_cutoff=dt.date(2027, 3, 31),
        decision_due=dt.date(2027, 5, 31),
    )
    assert (early.commune_cutoff, early.decision_due) == (dt.date(2027, 3, 31), dt.date(2027, 5, 31))


def test_a_second_regular_round_of_the_same_kind_is_refused(officer):
    rounds.open_round(officer, year=2027, kind=RoundKind.FIRST_HALF)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        rounds.open_round(officer, year=2027, kind=RoundKind.FIRST_HALF)
    assert "kind" in exc.value.error_dict
    assert Round.objects.count() == 1 and AuditEvent.objects.count() == events
    # The other half, an extra round, or the same half in another province are fine.
    rounds.open_round(officer, year=2027, kind=RoundKind.SECOND_HALF)
    rounds.open_round(
        officer,
        year=2027,
        kind=RoundKind.EXTRA,
        commune_cutoff=dt.date(2027, 7, 1),
        decision_due=dt.date(2027, 8, 1),
    )
    rounds.open_round(
        make_user(Role.PROVINCE_OFFICER, province_id="01"), year=2027, kind=RoundKind.FIRST_HALF
    )
    assert Round.objects.count() == 4


@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY])
def test_only_provincial_officers_open_rounds(db, role):
    with pytest.raises(PermissionDenied):
        rounds.open_round(make_user(role), year=2027, kind=RoundKind.FIRST_HALF, province_id=TAY_NINH)
    assert not Round.objects.exists()


def test_an_officer_cannot_open_a_round_for_another_province(officer):
    with pytest.raises(PermissionDenied):
        rounds.open_round(officer, year=2027, kind=RoundKind.FIRST_HALF, province_id="01")
    assert not Round.objects.exists()


def test_close_refused_while_a_dossier_is_unfinished(officer):
    round_ = RoundFactory()
    dossier_at(S.RECOGNISED, round_=round_)
    dossier_at(S.SCORED, round_=round_)
    events = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition) as exc:
        rounds.close_round(officer, round_)
    assert "1" in str(exc.value)
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN
    assert AuditEvent.objects.count() == events


def test_close_when_every_dossier_is_finished(officer):
    round_ = RoundFactory()
    for status in (S.RECOGNISED, S.NOT_RECOGNISED, S.WITHDRAWN):
        dossier_at(status, round_=round_)
    rounds.close_round(officer, round_)
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.CLOSED
    with pytest.raises(IllegalTransition):
        rounds.close_round(officer, round_)


def test_opening_and_closing_a_round_are_audited_with_their_steps(officer):
    round_ = rounds.open_round(
        officer,
        year=2027,
        kind=RoundKind.EXTRA,
        commune_cutoff=dt.date(2027, 7, 15),
        decision_due=dt.date(2027, 8, 30),
    )
    rounds.close_round(officer, round_)
    events = AuditEvent.objects.filter(object_id=str(round_.pk), content_type__model="round").order_by("id")
    assert [(e.action, e.verb) for e in events] == [
        (AuditEvent.Action.CREATE, "round.open"),
        (AuditEvent.Action.UPDATE, "round.close"),
    ]
    assert events[1].changes == {"status": [str(RoundStatus.OPEN.label), str(RoundStatus.CLOSED.label)]}


@pytest.mark.parametrize(
    "who",
    [lambda: make_user(Role.PROVINCE_OFFICER, province_id="01"), lambda: make_user(Role.COMMUNE_OFFICER)],
    ids=["other-province", "commune"],
)
def test_close_refused_for_others(db, who):
    round_ = RoundFactory()
    with pytest.raises(PermissionDenied):
        rounds.close_round(who(), round_)
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN


def test_regular_rounds_missing(db):
    assert rounds.regular_rounds_missing(TAY_NINH, 2027) == 2
    RoundFactory(year=2027, kind=RoundKind.FIRST_HALF)
    RoundFactory(year=2027, kind=RoundKind.EXTRA)
    RoundFactory(year=2026, kind=RoundKind.SECOND_HALF)
    RoundFactory(year=2027, kind=RoundKind.SECOND_HALF, province_id="01")
    assert rounds.regular_rounds_missing(TAY_NINH, 2027) == 1
    # Two rounds of the same half (made before that was refused) are still one half missing.
    RoundFactory(year=2027, kind=RoundKind.FIRST_HALF)
    assert rounds.regular_rounds_missing(TAY_NINH, 2027) == 1
    RoundFactory(year=2027, kind=RoundKind.SECOND_HALF)
    assert rounds.regular_rounds_missing(TAY_NINH, 2027) == 0


# --- pages -----------------------------------------------------------------------------------------


def test_round_list_warns_below_two_regular_rounds(officer, client_of, monkeypatch):
    from ocop.evaluation.views import rounds as round_views

    monkeypatch.setattr(round_views, "local_today", lambda: dt.date(2027, 3, 1))
    RoundFactory(year=2027, kind=RoundKind.FIRST_HALF, name="Đợt 1 năm 2027")
    RoundFactory(year=2027, kind=RoundKind.FIRST_HALF, name="Đợt Hà Nội", province_id="01")
    c = client_of(officer)
    response = c.get(reverse("evaluation:round_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="rounds-warning"' in html and "Đợt 1 năm 2027" in html and "Đợt Hà Nội" not in html
    RoundFactory(year=2027, kind=RoundKind.SECOND_HALF)
    assert 'id="rounds-warning"' not in c.get(reverse("evaluation:round_list")).content.decode()


def test_round_list_query_count_is_fixed(officer, client_of, django_assert_max_num_queries):
    c = client_of(officer)
    for _ in range(2):
        RoundFactory()
    with django_assert_max_num_queries(8) as small:
        c.get(reverse("evaluation:round_list"))
    for _ in range(10):
        RoundFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        c.get(reverse("evaluation:round_list"))


def test_round_pages_access(officer, client_of, client, db):
    round_ = RoundFactory()
    urls = [reverse("evaluation:round_list"), reverse("evaluation:round_create"), round_.get_absolute_url()]
    for url in urls:
        assert client_of(officer).get(url).status_code == 200, url
        assert client.get(url).status_code == 302
        for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY):
            assert client_of(make_user(role)).get(url).status_code == 403, (url, role)
    other = client_of(make_user(Role.PROVINCE_OFFICER, province_id="01"))
    assert other.get(round_.get_absolute_url()).status_code == 404
    assert other.post(reverse("evaluation:round_close", args=[round_.pk])).status_code == 404
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN


def test_create_round_through_the_page(officer, client_of):
    c = client_of(officer)
    response = c.post(reverse("evaluation:round_create"), {"year": 2027, "kind": "second_half"})
    created = Round.objects.get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.commune_cutoff == dt.date(2027, 10, 30)
    response = c.post(reverse("evaluation:round_create"), {"year": 2027, "kind": "extra"})
    assert response.status_code == 400
    assert "commune_cutoff" in response.context["form"].errors
    assert Round.objects.count() == 1


def test_close_through_the_page(officer, client_of):
    round_ = RoundFactory()
    dossier = dossier_at(S.AT_PROVINCE, round_=round_)
    c = client_of(officer)
    response = c.post(reverse("evaluation:round_close", args=[round_.pk]), follow=True)
    assert any("1" in str(m) for m in response.context["messages"])
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN
    dossier.status = S.WITHDRAWN
    dossier.save()
    c.post(reverse("evaluation:round_close", args=[round_.pk]))
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.CLOSED
    assert c.get(reverse("evaluation:round_close", args=[round_.pk])).status_code == 405
