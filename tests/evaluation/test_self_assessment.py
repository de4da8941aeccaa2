"""The producer's self-assessment (Form 02, Part III): who may see and change it, saving drafts, the live
panel, and refusals that leave nothing saved. Product set I.3.a is scored on sheet 5 of Decision 26."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.evaluation.models import SelfAssessment
from ocop.evaluation.services import selfassessment as sa
from tests.factories import ProductFactory, make_user, other_commune


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages read in English here; test_self_vietnamese.py reads them in Vietnamese."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(product_set="I.3.a")


@pytest.fixture
def sheet5(product):
    return sa.compiled(sa.sheet_for(product))


def page(product):
    return reverse("evaluation:self_assessment", args=[product.pk])


def panel_url(product):
    return reverse("evaluation:self_panel", args=[product.pk])


def full_marks(sheet):
    return {f"c-{c.code}": str(c.allowed_sorted[-1]) for c in sheet.criteria}


def hand_case(sheet):
    """All options at their maximum except: 1.6 → 0 (of 1), 5.2 not applicable (of 2), 7 → 3 (of 5).
    Total 100 − 1 − 2 − 2 = 95; A 39, B 23, C 33. 95 points are 5★ by points, but criterion 7 needs 5
    points for 5★ (its ★5 mark), so 4★; the next star is 7: 3 → 5, +2, total 97."""
    data = full_marks(sheet)
    data.update({"c-1.6": "0", "c-5.2": "na", "c-7": "3"})
    return data


def producer_of(product):
    return make_user(Role.PRODUCER, producer=product.producer)


def editors(product):
    c = product.producer.commune
    return {
        "producer": producer_of(product),
        "commune_officer": make_user(Role.COMMUNE_OFFICER, commune=c),
        "province_officer": make_user(Role.PROVINCE_OFFICER, province_id=c.province_id),
    }


def readers(product):
    pid = product.producer.commune.province_id
    return {
        "council": make_user(Role.COUNCIL_MEMBER, province_id=pid),
        "ministry": make_user(Role.MINISTRY),
    }


def outsiders(product):
    c = product.producer.commune
    return {
        "other_producer": make_user(Role.PRODUCER),
        "other_commune_officer": make_user(Role.COMMUNE_OFFICER, commune=other_commune(c)),
        "other_province_officer": make_user(Role.PROVINCE_OFFICER, province_id="01"),
        "other_province_council": make_user(Role.COUNCIL_MEMBER, province_id="01"),
    }


# --- access -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, product):
    response = client.get(page(product))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = client.post(page(product), {"c-1.1": "3"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize("who", ["producer", "commune_officer", "province_officer"])
def test_editors_see_the_page_and_save_a_draft(client_of, product, sheet5, who):
    user = editors(product)[who]
    client = client_of(user)
    response = client.get(page(product))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="save-draft"' in body
    # the official wording of an option of sheet 5, criterion 1.1, with its radio button
    option = sheet5.by_code["1.1"].options[0]
    assert option.text_vi in body
    assert 'name="c-1.1"' in body
    response = client.post(page(product), {"c-1.1": "3", "c-5.2": "na"})
    assert response.status_code == 302
    draft = SelfAssessment.objects.get(product=product)
    assert draft.answers == {"1.1": 3}
    assert draft.not_applicable == ["5.2"]
    assert draft.updated_by == user
    assert draft.sheet.number == 5


@pytest.mark.parametrize("who", ["council", "ministry"])
def test_council_and_ministry_read_only(client_of, product, who):
    user = readers(product)[who]
    client = client_of(user)
    sa.save_draft(producer_of(product), product, {"1.1": 2}, [])
    response = client.get(page(product))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="save-draft"' not in body
    assert "disabled" in body
    response = client.post(page(product), {"c-1.1": "3"})
    assert response.status_code == 403
    assert SelfAssessment.objects.get(product=product).answers == {"1.1": 2}


@pytest.mark.parametrize(
    "who", ["other_producer", "other_commune_officer", "other_province_officer", "other_province_council"]
)
def test_out_of_scope_is_404(client_of, product, who):
    client = client_of(outsiders(product)[who])
    assert client.get(page(product)).status_code == 404
    assert client.post(page(product), {"c-1.1": "3"}).status_code == 404
    assert client.post(panel_url(product), {"c-1.1": "3"}).status_code == 404
    assert not SelfAssessment.objects.exists()


def test_integrator_is_refused(client_of, product):
    client = client_of(make_user(Role.INTEGRATOR, province_id=product.producer.commune.province_id))
    assert client.get(page(product)).status_code == 403


def test_product_page_links_to_the_self_assessment_for_editors_only(client_of, product):
    detail = reverse("registry:product_detail", args=[product.pk])
    assert page(product) in client_of(producer_of(product)).get(detail).content.decode()
    assert page(product) not in client_of(readers(product)["council"]).get(detail).content.decode()


# --- saving ----------------------------------------------------------------------------------------


def test_draft_save_records_changed_answers_old_to_new(client_of, product):
    user = producer_of(product)
    client = client_of(user)
    client.post(page(product), {"c-1.1": "2", "c-1.2": "1"})
    client.post(page(product), {"c-1.1": "3", "c-1.2": "1", "c-5.2": "na"})
    draft = SelfAssessment.objects.get(product=product)
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(SelfAssessment), object_id=str(draft.pk)
    ).order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].changes == {"1.1": [None, 2], "1.2": [None, 1]}
    assert events[1].changes == {"1.1": [2, 3], "not_applicable": [[], ["5.2"]]}
    assert events[1].actor == user
    # one current draft per product
    assert SelfAssessment.objects.filter(product=product).count() == 1
    # an unchanged save leaves no trace
    client.post(page(product), {"c-1.1": "3", "c-1.2": "1", "c-5.2": "na"})
    assert events.count() == 2


def test_no_javascript_save_shows_the_panel_after_saving(client_of, product, sheet5):
    client = client_of(producer_of(product))
    response = client.post(page(product), hand_case(sheet5), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="panel"' in body
    assert '<strong id="panel-total">95</strong>' in body


@pytest.mark.parametrize(
    "data",
    [
        {"c-1.1": "4"},  # not an option's points (1, 2, 3)
        {"c-1.1": "2.5"},
        {"c-1.1": "-1"},
        {"c-1.1": "na"},  # 1.1 always applies
        {"c-1.1": "3", "c-99.9": "1"},  # not a criterion of sheet 5
        {"c-1.1": "3", "c-I.1": "1"},
    ],
)
def test_forged_values_are_refused_and_nothing_saved(client_of, product, data):
    client = client_of(producer_of(product))
    client.post(page(product), {"c-1.2": "2"})
    before = AuditEvent.objects.count()
    response = client.post(page(product), data)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert SelfAssessment.objects.get(product=product).answers == {"1.2": 2}
    assert AuditEvent.objects.count() == before


def test_service_refuses_forged_answers(product):
    from ocop.criteria.engine import InvalidAnswer

    user = producer_of(product)
    with pytest.raises(InvalidAnswer):
        sa.save_draft(user, product, {"1.1": 7}, [])
    with pytest.raises(InvalidAnswer):
        sa.save_draft(user, product, {}, ["1.1"])  # not conditional
    with pytest.raises(InvalidAnswer):
        sa.save_draft(user, product, {"5.2": 1}, ["5.2"])  # answered and not applicable
    assert not SelfAssessment.objects.exists()


def test_service_refuses_read_only_users(product):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        sa.save_draft(readers(product)["council"], product, {"1.1": 3}, [])
    assert not SelfAssessment.objects.exists()


# --- the live panel ----------------------------------------------------------------------------------


def test_panel_scores_the_hand_computed_case_without_saving(client_of, product, sheet5):
    client = client_of(producer_of(product))
    response = client.post(panel_url(product), hand_case(sheet5), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body  # a fragment
    assert '<strong id="panel-total">95</strong>' in body
    assert 'id="panel-part-A"' in body and "<strong>39</strong>/40" in body
    assert "<strong>23</strong>/25" in body and "<strong>33</strong>/35" in body
    assert '<dd id="panel-stars-points">5★</dd>' in body
    assert '<dd id="panel-marks-stars">4★</dd>' in body
    assert '<strong class="stars">4★</strong>' in body
    assert '<dd id="panel-unanswered">0</dd>' in body
    assert 'id="mini-score" href="#panel" class="self-mini" hx-swap-oob="true"><strong>95</strong>' in body
    # the way to 5★: criterion 7 from 3 to 5 points, in the official wording
    crit7 = sheet5.by_code["7"]
    assert "+2" in body and "97" in body
    assert crit7.options_for(5)[0].text_vi in body
    assert crit7.options_for(3)[0].text_vi in body
    assert not SelfAssessment.objects.exists()


def test_panel_star_minimum_caps_stars(client_of, product, sheet5):
    data = full_marks(sheet5)
    data["c-1.1"] = "1"  # 3★ needs 2 points on 1.1: total 98 but below 3★
    body = client_of(producer_of(product)).post(panel_url(product), data).content.decode()
    assert '<strong id="panel-total">98</strong>' in body
    assert '<strong class="stars">2★</strong>' in body
    assert 'id="panel-unmet"' in body


def test_panel_counts_unanswered_and_gives_no_final_stars(client_of, product):
    body = client_of(producer_of(product)).post(panel_url(product), {"c-1.1": "3"}).content.decode()
    assert '<strong id="panel-total">3</strong>' in body
    assert '<dd id="panel-unanswered">30</dd>' in body
    assert 'class="stars"' not in body


def test_conditional_criterion_not_applicable(client_of, product, sheet5):
    assert sheet5.by_code["5.2"].conditional and not sheet5.by_code["5.1"].conditional
    client = client_of(producer_of(product))
    body = client.get(page(product)).content.decode()
    assert 'name="c-5.2" value="na"' in body
    assert 'name="c-5.1" value="na"' not in body
    data = full_marks(sheet5)
    data["c-5.2"] = "na"
    body = client.post(panel_url(product), data).content.decode()
    assert '<strong id="panel-total">98</strong>' in body
    assert '<dd id="panel-unanswered">0</dd>' in body
    assert '<strong class="stars">5★</strong>' in body


def test_panel_refuses_forged_values_with_a_message(client_of, product):
    body = client_of(producer_of(product)).post(panel_url(product), {"c-1.1": "9"}).content.decode()
    assert "not one of its options" in body
    assert 'id="panel-total"' not in body


def test_council_may_use_the_panel_but_not_save(client_of, product, sheet5):
    client = client_of(readers(product)["council"])
    response = client.post(panel_url(product), hand_case(sheet5))
    assert response.status_code == 200
    assert not SelfAssessment.objects.exists()


def test_saved_draft_is_shown_checked(client_of, product):
    client = client_of(producer_of(product))
    client.post(page(product), {"c-1.1": "2"})
    body = client.get(page(product)).content.decode()
    assert 'name="c-1.1" value="2" checked' in body
    assert 'name="c-1.1" value="3" checked' not in body


def test_one_draft_per_product_is_a_database_rule(product):
    from django.db import IntegrityError, transaction

    from ocop.evaluation.models import SelfAssessmentStatus

    draft = sa.save_draft(producer_of(product), product, {"1.1": 3}, [])
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfAssessment.objects.create(product=product, sheet=draft.sheet)
    # a submitted one does not count: a new draft may follow it
    SelfAssessment.objects.filter(pk=draft.pk).update(status=SelfAssessmentStatus.SUBMITTED)
    second = sa.save_draft(producer_of(product), product, {"1.1": 2}, [])
    assert second.pk != draft.pk
    assert sa.current_draft(product) == second


def test_a_draft_on_another_sheet_is_not_shown_and_is_replaced_on_save(client_of, product):
    user = producer_of(product)
    sa.save_draft(user, product, {"1.1": 3}, [])
    product.product_set = "I.3.c"  # sheet 7
    product.save()
    new_sheet = sa.sheet_for(product)
    assert new_sheet.number != 5
    client = client_of(user)
    body = client.get(page(product)).content.decode()
    assert '<strong id="panel-total">0</strong>' in body
    code = sa.compiled(new_sheet).criteria[0].code
    points = sa.compiled(new_sheet).criteria[0].allowed_sorted[-1]
    assert client.post(page(product), {f"c-{code}": str(points)}).status_code == 302
    draft = SelfAssessment.objects.get(product=product)
    assert draft.sheet == new_sheet and draft.answers == {code: points}
    event = AuditEvent.objects.filter(object_id=str(draft.pk), action="update").latest("id")
    assert "sheet" in event.changes
