"""The provincial round board: every dossier of the round with its state, deadline and result, a fixed
number of queries however many dossiers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.calendar import default_calendar
from ocop.evaluation.views import rounds as round_views
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import RoundFactory, council, dossier_at
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 2)  # a Monday after the round's cut-off (30/10/2026), before its decision date


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(round_views, "local_today", lambda: TODAY)


@pytest.fixture
def officer():
    return make_user(Role.PROVINCE_OFFICER)


def board(client, round_, **params):
    response = client.get(reverse("evaluation:round_board", args=[round_.pk]), params)
    assert response.status_code == 200
    return response


def row_html(html: str, pk: int) -> str:
    match = re.search(rf'<tr id="dossier-{pk}"[^>]*>.*?</tr>', html, re.S)
    assert match, pk
    return match.group(0)


def test_board_shows_each_dossier_with_the_deadline_of_its_state(officer, client_of):
    round_ = RoundFactory()
    c1 = council(round_)
    submitted = dossier_at(S.SUBMITTED, round_=round_, received_on=dt.date(2026, 10, 1))
    at_province = dossier_at(S.AT_PROVINCE, round_=round_)
    scored = dossier_at(S.SCORED, round_=round_, council_=c1, points="81.50", stars=4)
    recognised = dossier_at(S.RECOGNISED, round_=round_)
    draft = dossier_at(S.DRAFT, round_=round_)
    withdrawn_draft = dossier_at(S.WITHDRAWN, round_=round_)  # withdrawn before it was ever submitted
    withdrawn_draft.submitted_at = withdrawn_draft.receipt_number = None
    withdrawn_draft.save()
    other_round = dossier_at(S.AT_PROVINCE)

    response = board(client_of(officer), round_)
    html = response.content.decode()
    rows = {row["pk"]: row for row in response.context["rows"]}
    assert set(rows) == {submitted.pk, at_province.pk, scored.pk, recognised.pk}  # no draft, no other round
    assert draft.pk not in rows and other_round.pk not in rows and withdrawn_draft.pk not in rows
    assert withdrawn_draft.product.name_vi not in html

    # Submitted: the commune's 15 working days from 01/10/2026 → 22/10/2026, overdue on 02/11.
    due = default_calendar().add_working_days(dt.date(2026, 10, 1), 15)
    assert rows[submitted.pk]["deadline"] == due == submitted.commune_deadline
    assert rows[submitted.pk]["overdue"] and rows[submitted.pk]["days_left"] < 0
    assert 'class="overdue"' in row_html(html, submitted.pk) and due.strftime("%d/%m/%Y") in html
    # At the province: the round's cut-off 30/10 — passed on 02/11.
    assert rows[at_province.pk]["deadline"] == dt.date(2026, 10, 30) and rows[at_province.pk]["overdue"]
    # Scored: the decision date 30/12, not overdue.
    assert rows[scored.pk]["deadline"] == dt.date(2026, 12, 30) and not rows[scored.pk]["overdue"]
    assert rows[scored.pk]["days_left"] == default_calendar().working_days_between(
        TODAY, dt.date(2026, 12, 30)
    )
    scored_html = row_html(html, scored.pk)
    assert "81,50" in scored_html and "4★" in scored_html and c1.name in scored_html
    assert "30/12/2026" in scored_html and 'class="overdue"' not in scored_html
    # Finished: no deadline.
    assert rows[recognised.pk]["deadline"] is None and not rows[recognised.pk]["overdue"]

    for d in (submitted, at_province, scored):
        text = row_html(html, d.pk)
        assert d.product.name_vi in text and d.producer.name in text and d.receipt_number in text
        assert d.commune.name in text
    counts = {value: n for value, _label, n in response.context["counts"]}
    assert counts == {S.SUBMITTED: 1, S.AT_PROVINCE: 1, S.SCORED: 1, S.RECOGNISED: 1}
    assert response.context["overdue_total"] == 2
    assert reverse("evaluation:province_check", args=[at_province.pk]) in html


def test_board_filters_by_status_and_commune(officer, client_of):
    round_ = RoundFactory()
    here = dossier_at(S.AT_PROVINCE, round_=round_)
    there_producer = ProducerFactory(commune=other_commune(commune()))
    there = dossier_at(S.AT_PROVINCE, round_=round_, product=ProductFactory(producer=there_producer))
    checked = dossier_at(S.CHECKED, round_=round_)
    c = client_of(officer)
    only = {r["pk"] for r in board(c, round_, status=S.CHECKED).context["rows"]}
    assert only == {checked.pk}
    only = {r["pk"] for r in board(c, round_, commune=there_producer.commune_id).context["rows"]}
    assert only == {there.pk}
    # The counts on top stay those of the whole round.
    response = board(c, round_, commune=there_producer.commune_id)
    assert {v: n for v, _l, n in response.context["counts"]} == {S.AT_PROVINCE: 2, S.CHECKED: 1}
    assert here.pk not in only


def _fill(round_, n):
    states = [S.SUBMITTED, S.AT_PROVINCE, S.CHECKED, S.IN_COUNCIL, S.SCORED, S.RECOGNISED, S.RETURNED]
    shared = council(round_)
    for i in range(n):
        status = states[i % len(states)]
        dossier_at(status, round_=round_, council_=shared)


def test_board_query_count_is_fixed(officer, client_of, django_assert_num_queries):
    round_ = RoundFactory()
    c = client_of(officer)
    _fill(round_, 5)
    c.get(reverse("evaluation:round_board", args=[round_.pk]))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert len(board(c, round_).context["rows"]) == 5
    _fill(round_, 35)
    with django_assert_num_queries(len(small.captured_queries)):
        response = board(c, round_)
    assert len(response.context["rows"]) == 40
    assert len(small.captured_queries) <= 8


def test_board_access(officer, client_of, client):
    round_ = RoundFactory()
    dossier_at(S.AT_PROVINCE, round_=round_)
    url = reverse("evaluation:round_board", args=[round_.pk])
    assert client_of(officer).get(url).status_code == 200
    assert client_of(make_user(Role.PROVINCE_OFFICER, province_id="01")).get(url).status_code == 404
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(url).status_code == 403, role
    assert client.get(url).status_code == 302
    assert (
        client_of(officer).get(reverse("evaluation:round_board", args=[round_.pk + 999])).status_code == 404
    )
