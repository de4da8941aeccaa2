"""Dossier, library and attachment pages for each role: allowed, denied, anonymous; the hub's content;
forged POSTs; the list's query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.calendar import default_calendar
from ocop.evaluation.models import DocumentKind, Dossier, DossierAttachment, EvidenceDocument
from ocop.evaluation.services import dossiers as ds
from ocop.evaluation.views.dossiers import action_url
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import MINIMAL_PDF, RoundFactory, council, document, dossier_at
from tests.evaluation.test_dossiers import ready_dossier, self_assess
from tests.evaluation.test_library import JS_PDF
from tests.factories import ProducerFactory, ProductFactory, image_bytes, make_user, other_commune

pytestmark = pytest.mark.django_db
READERS = [Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY]


def row(obj):
    return type(obj).objects.filter(pk=obj.pk).values().get()


def people(dossier):
    """One user of each role in the dossier's scope."""
    producer = dossier.producer
    return {
        Role.PRODUCER: make_user(Role.PRODUCER, producer=producer),
        Role.COMMUNE_OFFICER: make_user(Role.COMMUNE_OFFICER, commune=producer.commune),
        Role.PROVINCE_OFFICER: make_user(Role.PROVINCE_OFFICER, province_id=producer.commune.province_id),
        Role.COUNCIL_MEMBER: make_user(Role.COUNCIL_MEMBER),
        Role.MINISTRY: make_user(Role.MINISTRY),
    }


# ------------------------------------------------------------------------------------------ list


@pytest.mark.parametrize("role", READERS)
def test_list_allowed_for_every_reader(client_of, role):
    assert client_of(make_user(role)).get(reverse("evaluation:dossier_list")).status_code == 200


def test_list_denied_and_anonymous(client_of, client):
    assert (
        client_of(make_user(Role.INTEGRATOR, province_id="80"))
        .get(reverse("evaluation:dossier_list"))
        .status_code
        == 403
    )
    response = client.get(reverse("evaluation:dossier_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_list_scoping_and_filters(client_of):
    mine = dossier_at(S.SUBMITTED)
    other = dossier_at(
        S.SUBMITTED, product=ProductFactory(producer=ProducerFactory(commune=other_commune(mine.commune)))
    )
    draft = dossier_at(S.DRAFT, product=ProductFactory(producer=ProducerFactory(commune=mine.commune)))
    producer_user = client_of(make_user(Role.PRODUCER, producer=mine.producer))
    body = producer_user.get(reverse("evaluation:dossier_list")).content.decode()
    assert mine.product.name_vi in body and other.product.name_vi not in body
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=mine.commune))
    body = officer.get(reverse("evaluation:dossier_list")).content.decode()
    assert mine.product.name_vi in body and other.product.name_vi not in body
    assert draft.product.name_vi in body  # a draft of its commune (it may prepare it for the producer)
    body = officer.get(reverse("evaluation:dossier_list"), {"status": "draft"}).content.decode()
    assert draft.product.name_vi in body and mine.product.name_vi not in body
    province = client_of(make_user(Role.PROVINCE_OFFICER))
    body = province.get(reverse("evaluation:dossier_list")).content.decode()
    assert mine.product.name_vi not in body  # not yet sent to the province


def test_list_query_count_is_fixed(client_of, django_assert_max_num_queries):
    officer = make_user(Role.PROVINCE_OFFICER)
    client = client_of(officer)
    round_ = RoundFactory()
    dossier_at(S.AT_PROVINCE, round_=round_)
    client.get(reverse("evaluation:dossier_list"))  # warm caches (session, content types)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("evaluation:dossier_list")).status_code == 200
    for _ in range(12):
        dossier_at(S.AT_PROVINCE, round_=round_)
    with django_assert_max_num_queries(12) as large:
        assert client.get(reverse("evaluation:dossier_list")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# ------------------------------------------------------------------------------------------ detail


@pytest.mark.parametrize(
    "status,allowed",
    [
        (S.DRAFT, {Role.PRODUCER, Role.COMMUNE_OFFICER}),
        (S.SUBMITTED, {Role.PRODUCER, Role.COMMUNE_OFFICER}),
        (S.AT_PROVINCE, {Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER}),
        (S.AT_MINISTRY, {Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER, Role.MINISTRY}),
    ],
)
def test_detail_per_role(client_of, status, allowed):
    dossier = dossier_at(status)
    url = reverse("evaluation:dossier_detail", args=[dossier.pk])
    for role, user in people(dossier).items():
        assert client_of(user).get(url).status_code == (200 if role in allowed else 404), role
    assert client_of(make_user(Role.PRODUCER)).get(url).status_code == 404


def test_council_member_reads_only_an_assigned_dossier(client_of):
    dossier = dossier_at(S.IN_COUNCIL)
    seat = dossier.council.members.first().user
    url = reverse("evaluation:dossier_detail", args=[dossier.pk])
    assert client_of(seat).get(url).status_code == 200
    other = council(dossier.round).members.first().user
    assert client_of(other).get(url).status_code == 404


def test_detail_anonymous_redirected(client):
    dossier = dossier_at(S.DRAFT)
    for name in ("dossier_detail", "dossier_form01", "dossier_form02", "dossier_attachments"):
        response = client.get(reverse(f"evaluation:{name}", args=[dossier.pk]))
        assert response.status_code == 302 and "login" in response["Location"]


def test_hub_shows_numbers_deadline_days_left_checklist_and_timeline(client_of, monkeypatch):
    user, dossier = ready_dossier()
    dossier = ds.submit(user, dossier)
    import ocop.evaluation.views.dossiers as views

    today = dossier.received_on
    monkeypatch.setattr(views, "local_today", lambda: today)
    body = client_of(user).get(reverse("evaluation:dossier_detail", args=[dossier.pk])).content.decode()
    assert dossier.receipt_number in body and dossier.product_code in body
    assert dossier.commune_deadline.strftime("%d/%m/%Y") in body
    assert f'data-deadline="{dossier.commune_deadline.isoformat()}" data-days-left="15"' in body
    assert 'id="checklist"' in body and "✔" in body
    assert 'id="timeline"' in body
    assert 'id="self-total"' in body
    # Overdue once today passes the deadline.
    next_day = default_calendar().next_working_day(dossier.commune_deadline)
    monkeypatch.setattr(views, "local_today", lambda: next_day)
    body = client_of(user).get(reverse("evaluation:dossier_detail", args=[dossier.pk])).content.decode()
    assert "deadline overdue" in body and 'data-days-left="-1"' in body


def test_hub_buttons_follow_workflow_and_scope(client_of):
    dossier = dossier_at(S.DRAFT)
    producer_user = make_user(Role.PRODUCER, producer=dossier.producer)
    body = (
        client_of(producer_user).get(reverse("evaluation:dossier_detail", args=[dossier.pk])).content.decode()
    )
    assert reverse("evaluation:dossier_submit", args=[dossier.pk]) in body
    assert reverse("evaluation:dossier_withdraw", args=[dossier.pk]) in body
    assert reverse("evaluation:dossier_form01", args=[dossier.pk]) in body
    submitted = dossier_at(S.SUBMITTED)
    officer = make_user(Role.COMMUNE_OFFICER, commune=submitted.commune)
    body = client_of(officer).get(reverse("evaluation:dossier_detail", args=[submitted.pk])).content.decode()
    assert reverse("evaluation:dossier_submit", args=[submitted.pk]) not in body
    assert reverse("evaluation:dossier_form01", args=[submitted.pk]) not in body
    review = action_url("evaluation:commune_review", submitted.pk)
    if review:  # the commune's page exists once its stage is built
        assert review in body
    assert action_url("evaluation:no_such_page", 1) is None


def test_hub_flags_documents_expiring_before_the_decision(client_of):
    dossier = dossier_at(S.DRAFT, round_=RoundFactory(decision_due=dt.date(2099, 12, 30)))
    doc = document(dossier.producer, DocumentKind.FOOD_SAFETY, expires_on=dt.date(2099, 6, 1))
    DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    producer_user = make_user(Role.PRODUCER, producer=dossier.producer)
    body = (
        client_of(producer_user).get(reverse("evaluation:dossier_detail", args=[dossier.pk])).content.decode()
    )
    assert 'data-flag="before_decision"' in body and 'id="expiry-warning"' in body
    library = client_of(producer_user).get(reverse("evaluation:library")).content.decode()
    assert 'data-flag="before_decision"' in library
    # The commune is told too: on the dossier and in the producer's library.
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=dossier.commune))
    body = officer.get(reverse("evaluation:dossier_detail", args=[dossier.pk])).content.decode()
    assert 'data-flag="before_decision"' in body and 'id="expiry-warning"' in body
    library = officer.get(reverse("evaluation:library"), {"producer": dossier.producer_id}).content.decode()
    assert 'data-flag="before_decision"' in library


def test_hub_shows_return_reasons_and_result(client_of):
    dossier = dossier_at(S.SCORED, points="72.50", stars=4)
    Dossier.objects.filter(pk=dossier.pk).update(return_reason="Thiếu hợp đồng nguyên liệu")
    producer_user = make_user(Role.PRODUCER, producer=dossier.producer)
    body = (
        client_of(producer_user).get(reverse("evaluation:dossier_detail", args=[dossier.pk])).content.decode()
    )
    assert "Thiếu hợp đồng nguyên liệu" in body and "72" in body and "★★★★" in body


# ------------------------------------------------------------------------------------------ editing pages


@pytest.mark.parametrize("name", ["dossier_form01", "dossier_form02", "dossier_attachments"])
def test_edit_pages_per_role(client_of, name):
    dossier = dossier_at(S.DRAFT)
    url = reverse(f"evaluation:{name}", args=[dossier.pk])
    users = people(dossier)
    assert client_of(users[Role.PRODUCER]).get(url).status_code == 200
    assert client_of(users[Role.COMMUNE_OFFICER]).get(url).status_code == 200
    for role in (Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(users[role]).get(url).status_code == 403
    assert client_of(make_user(Role.PRODUCER)).get(url).status_code == 404
    assert (
        client_of(make_user(Role.COMMUNE_OFFICER, commune=other_commune(dossier.commune)))
        .get(url)
        .status_code
        == 404
    )


def test_form_posts_save(client_of):
    dossier = dossier_at(S.DRAFT)
    client = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    data = {k: v for k, v in ds.form01_from_registry(dossier.product, "first", 5).items() if v is not None}
    data.update(product_name="Bánh tráng phơi sương loại đặc biệt", sample_count=5)
    assert client.post(reverse("evaluation:dossier_form01", args=[dossier.pk]), data).status_code == 302
    assert (
        client.post(
            reverse("evaluation:dossier_form02", args=[dossier.pk]),
            {"part2__revenue": "1.200.000.000", "part4__future_plan": "Xuất khẩu"},
        ).status_code
        == 302
    )
    dossier.refresh_from_db()
    assert dossier.form01["product_name"] == "Bánh tráng phơi sương loại đặc biệt"
    assert dossier.form02["part2"]["revenue"] == "1.200.000.000"
    assert dossier.form02["part4"]["future_plan"] == "Xuất khẩu"


def test_frozen_dossier_edit_pages_refuse_and_nothing_changes(client_of):
    dossier = dossier_at(S.SUBMITTED)
    producer_user = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    before = row(dossier)
    detail = reverse("evaluation:dossier_detail", args=[dossier.pk])
    response = producer_user.get(reverse("evaluation:dossier_form01", args=[dossier.pk]), follow=True)
    assert response.redirect_chain[-1][0] == detail
    assert "đã được nộp và bị khóa" in response.content.decode()
    doc = document(dossier.producer, DocumentKind.AWARD)
    posts = [
        (
            "dossier_form01",
            {"producer_name": "x", "representative_name": "x", "product_name": "x", "sample_count": 1},
        ),
        ("dossier_form02", {"part4__future_plan": "x"}),
        ("dossier_attachments", {"op": "attach", "document": doc.pk, "kind": doc.kind}),
        ("dossier_take_self", {}),
        ("dossier_submit", {}),
    ]
    for name, data in posts:
        response = producer_user.post(reverse(f"evaluation:{name}", args=[dossier.pk]), data)
        assert response.status_code == 302, name
    assert row(dossier) == before
    assert not DossierAttachment.objects.filter(dossier=dossier).exists()
    documents = EvidenceDocument.objects.count()
    response = upload_post(producer_user, dossier, "nhan.pdf", MINIMAL_PDF)
    assert response.status_code == 302 and response["Location"] == detail
    assert EvidenceDocument.objects.count() == documents and row(dossier) == before


def test_forged_posts_other_producer_404_wrong_role_403(client_of):
    dossier = dossier_at(S.DRAFT)
    before = row(dossier)
    intruder = client_of(make_user(Role.PRODUCER))
    for name in (
        "dossier_submit",
        "dossier_withdraw",
        "dossier_take_self",
        "dossier_form01",
        "dossier_attachments",
    ):
        assert (
            intruder.post(reverse(f"evaluation:{name}", args=[dossier.pk]), {"op": "attach"}).status_code
            == 404
        )
    province = client_of(make_user(Role.PROVINCE_OFFICER))
    for name in ("dossier_submit", "dossier_withdraw", "dossier_take_self", "dossier_form02"):
        assert province.post(reverse(f"evaluation:{name}", args=[dossier.pk])).status_code == 403
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=dossier.commune))
    assert officer.post(reverse("evaluation:dossier_withdraw", args=[dossier.pk])).status_code == 403
    assert row(dossier) == before
    assert (
        client_of(make_user(Role.PRODUCER, producer=dossier.producer))
        .get(reverse("evaluation:dossier_submit", args=[dossier.pk]))
        .status_code
        == 405
    )


def test_submit_and_withdraw_through_the_pages(client_of):
    user, dossier = ready_dossier()
    client = client_of(user)
    assert client.post(reverse("evaluation:dossier_submit", args=[dossier.pk])).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == S.SUBMITTED and dossier.receipt_number
    assert client.post(reverse("evaluation:dossier_withdraw", args=[dossier.pk])).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == S.WITHDRAWN


def test_submit_page_lists_what_is_missing(client_of):
    dossier = dossier_at(S.DRAFT)
    client = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    response = client.post(reverse("evaluation:dossier_submit", args=[dossier.pk]), follow=True)
    body = response.content.decode()
    assert 'class="msg-error"' in body and "III" in body
    dossier.refresh_from_db()
    assert dossier.status == S.DRAFT and not dossier.receipt_number


def test_take_self_assessment_button(client_of):
    dossier = dossier_at(S.DRAFT)
    draft = self_assess(dossier.product)
    client = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    assert client.post(reverse("evaluation:dossier_take_self", args=[dossier.pk])).status_code == 302
    dossier.refresh_from_db()
    assert dossier.self_answers == draft.answers


# ------------------------------------------------------------------------------------------ attachments


def upload_post(client, dossier, name, data, kind=DocumentKind.LABEL):
    return client.post(
        reverse("evaluation:dossier_attachments", args=[dossier.pk]),
        {"op": "upload", "kind": kind, "title": "Nhãn sản phẩm", "file": SimpleUploadedFile(name, data)},
    )


def test_upload_and_attach_checks_content(client_of):
    dossier = dossier_at(S.DRAFT)
    client = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    assert upload_post(client, dossier, "nhan.pdf", image_bytes("PNG")).status_code == 302
    att = DossierAttachment.objects.get(dossier=dossier)
    assert att.kind == DocumentKind.LABEL and att.document.content_type == "image/png"
    for name, data in (("nhan.pdf", b"plain text, not a PDF"), ("js.pdf", JS_PDF)):
        response = upload_post(client, dossier, name, data)
        assert response.status_code == 200
    assert DossierAttachment.objects.filter(dossier=dossier).count() == 1
    assert EvidenceDocument.objects.filter(producer=dossier.producer).count() == 1


def test_attach_and_detach_through_the_page(client_of):
    dossier = dossier_at(S.DRAFT)
    client = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    doc = document(dossier.producer, DocumentKind.LAB_RESULT)
    url = reverse("evaluation:dossier_attachments", args=[dossier.pk])
    assert client.post(url, {"op": "attach", "document": doc.pk, "kind": doc.kind}).status_code == 302
    att = DossierAttachment.objects.get(dossier=dossier)
    foreign = document(ProducerFactory())
    assert client.post(url, {"op": "attach", "document": foreign.pk, "kind": foreign.kind}).status_code == 200
    other = dossier_at(S.DRAFT)
    other_att = DossierAttachment.objects.create(
        dossier=other, document=document(other.producer), kind=DocumentKind.BUSINESS_REGISTRATION
    )
    assert client.post(url, {"op": "detach", "attachment": other_att.pk}).status_code == 404
    assert client.post(url, {"op": "detach", "attachment": att.pk}).status_code == 302
    assert not DossierAttachment.objects.filter(dossier=dossier).exists()
    assert DossierAttachment.objects.filter(pk=other_att.pk).exists()


# ------------------------------------------------------------------------------------------ opening page


def test_open_page_per_role(client_of):
    product = ProductFactory()
    round_ = RoundFactory()
    url = reverse("evaluation:dossier_open", args=[product.pk])
    producer_user = client_of(make_user(Role.PRODUCER, producer=product.producer))
    assert producer_user.get(url).status_code == 200
    assert client_of(make_user(Role.PRODUCER)).get(url).status_code == 404
    assert client_of(make_user(Role.PROVINCE_OFFICER)).get(url).status_code == 403
    assert client_of(make_user(Role.COUNCIL_MEMBER)).get(url).status_code == 403
    response = producer_user.post(url, {"round": round_.pk, "request_type": "first"})
    dossier = Dossier.objects.get(product=product)
    assert response["Location"] == reverse("evaluation:dossier_detail", args=[dossier.pk])
    response = producer_user.post(url, {"round": round_.pk, "request_type": "first"})
    assert response.status_code == 200 and Dossier.objects.filter(product=product).count() == 1
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=product.producer.commune))
    assert officer.get(url).status_code == 200


# ------------------------------------------------------------------------------------------ library pages


def test_library_pages_per_role(client_of, client):
    producer = ProducerFactory()
    doc = document(producer)
    producer_user = client_of(make_user(Role.PRODUCER, producer=producer))
    assert producer_user.get(reverse("evaluation:library")).status_code == 200
    assert producer_user.get(reverse("evaluation:library_upload")).status_code == 200
    assert producer_user.get(reverse("evaluation:library_document", args=[doc.pk])).status_code == 200
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=producer.commune))
    assert producer.name in officer.get(reverse("evaluation:library")).content.decode()
    assert officer.get(reverse("evaluation:library"), {"producer": producer.pk}).status_code == 200
    outsider = client_of(make_user(Role.COMMUNE_OFFICER, commune=other_commune(producer.commune)))
    assert outsider.get(reverse("evaluation:library"), {"producer": producer.pk}).status_code == 404
    assert outsider.get(reverse("evaluation:library_document", args=[doc.pk])).status_code == 404
    assert (
        client_of(make_user(Role.PRODUCER))
        .get(reverse("evaluation:library_document", args=[doc.pk]))
        .status_code
        == 404
    )
    for role in (Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(reverse("evaluation:library")).status_code == 403
    for name, args in (
        ("library", []),
        ("library_upload", []),
        ("library_document", [doc.pk]),
        ("library_download", [doc.pk]),
    ):
        response = client.get(reverse(f"evaluation:{name}", args=args))
        assert response.status_code == 302 and "login" in response["Location"]


def test_library_upload_page(client_of):
    user = make_user(Role.PRODUCER)
    client = client_of(user)
    response = client.post(
        reverse("evaluation:library_upload"),
        {
            "kind": "food_safety",
            "title": "Giấy chứng nhận ATTP",
            "expires_on": "2028-05-01",
            "file": SimpleUploadedFile("attp.pdf", MINIMAL_PDF),
        },
    )
    doc = EvidenceDocument.objects.get()
    assert (
        response.status_code == 302
        and doc.producer_id == user.producer_id
        and doc.expires_on == dt.date(2028, 5, 1)
    )
    response = client.post(
        reverse("evaluation:library_upload"), {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"hello")}
    )
    assert response.status_code == 200 and EvidenceDocument.objects.count() == 1
    # A new version.
    response = client.post(
        reverse("evaluation:library_upload") + f"?replaces={doc.pk}",
        {"kind": "food_safety", "title": "ATTP 2028", "file": SimpleUploadedFile("attp2.pdf", MINIMAL_PDF)},
    )
    assert response.status_code == 302
    assert EvidenceDocument.objects.filter(archived=False).count() == 1


def test_download_only_through_the_checked_view(client_of):
    product = ProductFactory()
    doc = document(product.producer)
    producer_user = client_of(make_user(Role.PRODUCER, producer=product.producer))
    response = producer_user.get(reverse("evaluation:library_download", args=[doc.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert (
        client_of(make_user(Role.PRODUCER))
        .get(reverse("evaluation:library_download", args=[doc.pk]))
        .status_code
        == 404
    )
    province = client_of(make_user(Role.PROVINCE_OFFICER))
    assert province.get(reverse("evaluation:library_download", args=[doc.pk])).status_code == 404
    dossier = dossier_at(S.AT_PROVINCE, product=product)
    DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    assert province.get(reverse("evaluation:library_download", args=[doc.pk])).status_code == 200
    assert "giấy" not in doc.file.name and len(doc.file.name.rsplit("/", 1)[-1]) > 30  # unguessable name


def test_library_list_query_count_is_fixed(client_of, django_assert_max_num_queries):
    product = ProductFactory()
    producer_user = make_user(Role.PRODUCER, producer=product.producer)
    client = client_of(producer_user)
    dossier = dossier_at(S.DRAFT, product=product)
    doc = document(product.producer, expires_on=dt.date(2026, 12, 1))
    DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    client.get(reverse("evaluation:library"))
    with django_assert_max_num_queries(10) as small:
        assert client.get(reverse("evaluation:library")).status_code == 200
    for kind in (DocumentKind.LABEL, DocumentKind.LAB_RESULT, DocumentKind.IP, DocumentKind.PHOTO):
        extra = document(product.producer, kind, product=product)
        DossierAttachment.objects.create(dossier=dossier, document=extra, kind=kind)
    with django_assert_max_num_queries(10) as large:
        assert client.get(reverse("evaluation:library")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_hub_query_count_does_not_grow_with_attachments(client_of, django_assert_max_num_queries):
    dossier = dossier_at(S.DRAFT)
    client = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    url = reverse("evaluation:dossier_detail", args=[dossier.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for kind in (DocumentKind.LABEL, DocumentKind.LAB_RESULT, DocumentKind.IP, DocumentKind.PHOTO):
        doc = document(dossier.producer, kind)
        DossierAttachment.objects.create(dossier=dossier, document=doc, kind=kind)
    with django_assert_max_num_queries(40) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# ------------------------------------------------------------------------------------------ review fixes


def test_download_header_is_safe_for_vietnamese_and_odd_names(client_of):
    from ocop.evaluation.services import library

    user = make_user(Role.PRODUCER)
    client = client_of(user)
    doc = document(user.producer)  # original name "giấy-chứng-nhận.pdf"
    response = client.get(reverse("evaluation:library_download", args=[doc.pk]))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''gi%E1%BA%A5y-ch%E1%BB%A9ng-nh%E1%BA%ADn.pdf"
    )
    odd = library.upload(
        user,
        user.producer,
        SimpleUploadedFile('bien "ban"\r\nX-Evil: 1.pdf', MINIMAL_PDF),
        kind=DocumentKind.OTHER,
        title="Biên bản",
    )
    response = client.get(reverse("evaluation:library_download", args=[odd.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bien \\"ban\\"X-Evil: 1.pdf"'
    assert "X-Evil" not in response.headers


def test_ids_that_are_not_numbers_are_not_found_and_change_nothing(client_of):
    dossier = dossier_at(S.DRAFT)
    producer_user = client_of(make_user(Role.PRODUCER, producer=dossier.producer))
    doc = document(dossier.producer, DocumentKind.LABEL)
    att = DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    url = reverse("evaluation:dossier_attachments", args=[dossier.pk])
    for bad in ("abc", "1 OR 1=1", ""):
        assert producer_user.post(url, {"op": "detach", "attachment": bad}).status_code == 404
    assert DossierAttachment.objects.filter(pk=att.pk).exists()
    upload = reverse("evaluation:library_upload")
    assert producer_user.get(upload + "?replaces=abc").status_code == 404
    response = producer_user.post(
        upload + "?replaces=x1", {"kind": "label", "file": SimpleUploadedFile("n.pdf", MINIMAL_PDF)}
    )
    assert (
        response.status_code == 404
        and EvidenceDocument.objects.filter(producer=dossier.producer).count() == 1
    )
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=dossier.commune))
    assert officer.get(reverse("evaluation:library"), {"producer": "abc"}).status_code == 404


def test_the_admin_only_reads_evaluation_rows(client_of):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("chief", "chief@example.com", "x")
    client = client_of(admin_user)
    dossier = dossier_at(S.SUBMITTED)
    doc = document(dossier.producer)
    DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    before, doc_before = row(dossier), row(doc)
    change = reverse("admin:evaluation_dossier_change", args=[dossier.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"status": "draft", "points": "99"}).status_code == 403
    assert (
        client.post(
            reverse("admin:evaluation_dossier_delete", args=[dossier.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:evaluation_dossier_add")).status_code == 403
    page = client.get(reverse("admin:evaluation_evidencedocument_change", args=[doc.pk])).content.decode()
    assert reverse("evaluation:library_download", args=[doc.pk]) in page and "/media/" not in page
    assert (
        client.post(
            reverse("admin:evaluation_evidencedocument_delete", args=[doc.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    # members' sheets are not in the admin at all (independence holds for superusers too)
    assert client.get("/admin/evaluation/memberscore/").status_code == 404
    assert row(dossier) == before and row(doc) == doc_before


def test_what_changed_names_the_form_fields_by_their_labels(client_of):
    from tests.evaluation.test_dossiers import certificate

    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    old = dossier_at(S.RECOGNISED, product=product)
    old.form01 = ds.form01_from_registry(product, "first", 5)
    old.form02 = {"part2": {"markets": "Tây Ninh"}}
    old.save()
    certificate(product, dt.date.today() + dt.timedelta(days=900))
    new = ds.open_dossier(user, product, RoundFactory(), "upgrade")
    ds.update_form02(user, new, {"part2": {"markets": "Tây Ninh, Long An"}})
    ds.update_form01(user, new, {"phone": "0276 123 456"})
    body = client_of(user).get(reverse("evaluation:dossier_detail", args=[new.pk])).content.decode()
    changes = body[body.index('id="changes"') :]
    changes = changes[: changes.index("</section>")]
    assert "Thị trường" in changes and "Điện thoại" in changes and "Tây Ninh, Long An" in changes
    assert "part2.markets" not in changes and "· phone" not in changes
