"""The self-assessment page in a real browser: picking an option updates the score panel at once
(htmx, nothing saved), and "Save draft" stores the answers."""

import pytest

from ocop.accounts.models import Role
from ocop.evaluation.models import SelfAssessment
from tests.factories import ProductFactory, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_live_panel_and_save(page, sign_in):
    product = ProductFactory(product_set="I.3.a")
    user = make_user(Role.PRODUCER, producer=product.producer, username="nsx.selfassess")
    sign_in(user.username)
    page.goto(f"/criteria/self/{product.pk}/")
    assert page.locator("#panel-total").inner_text() == "0"

    with page.expect_response(lambda r: r.url.endswith("/panel/")):
        page.check('input[name="c-2.1"][value="5"]')
    page.wait_for_function("document.querySelector('#panel-total').textContent === '5'")
    with page.expect_response(lambda r: r.url.endswith("/panel/")):
        page.check('input[name="c-1.1"][value="3"]')
    page.wait_for_function("document.querySelector('#panel-total').textContent === '8'")
    assert page.locator("#panel-unanswered").inner_text() == "29"
    assert page.locator("#mini-score strong").inner_text() == "8"  # the sticky summary follows
    assert not SelfAssessment.objects.filter(product=product).exists()  # the panel saves nothing

    with page.expect_navigation():
        page.click("#save-draft")
    assert SelfAssessment.objects.get(product=product).answers == {"1.1": 3, "2.1": 5}
    assert page.locator("#panel-total").inner_text() == "8"
    assert page.is_checked('input[name="c-2.1"][value="5"]')
