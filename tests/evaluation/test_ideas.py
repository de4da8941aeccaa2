"""Product ideas: registration, the commune's comments and status, scoping of the pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.evaluation.models import Idea, IdeaComment, IdeaStatus
from ocop.evaluation.services import ideas
from tests.factories import ProducerFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db


def new_idea(producer=None, **kw):
    producer = producer or ProducerFactory()
    user = make_user(Role.PRODUCER, producer=producer)
    return ideas.register(user, producer, title=kw.pop("title", "Mứt mãng cầu Bà Đen"), **kw)


def test_producer_registers_its_own_idea_with_audit():
    idea = new_idea(raw_materials="Mãng cầu Bà Đen")
    assert idea.status == IdeaStatus.NEW and idea.created_by.producer_id == idea.producer_id
    assert AuditEvent.objects.filter(object_id=str(idea.pk), action=AuditEvent.Action.CREATE).exists()


def test_commune_officer_registers_for_its_commune_only():
    producer = ProducerFactory()
    officer = make_user(Role.COMMUNE_OFFICER, commune=producer.commune)
    assert ideas.register(officer, producer, title="Rượu nếp").producer == producer
    outsider = make_user(Role.COMMUNE_OFFICER, commune=other_commune(producer.commune))
    with pytest.raises(PermissionDenied):
        ideas.register(outsider, producer, title="Rượu nếp 2")
    with pytest.raises(PermissionDenied):
        ideas.register(make_user(Role.PRODUCER), producer, title="x")
    with pytest.raises(PermissionDenied):
        ideas.register(make_user(Role.PROVINCE_OFFICER), producer, title="x")
    assert Idea.objects.count() == 1


def test_empty_title_refused():
    producer = ProducerFactory()
    with pytest.raises(ValidationError):
        ideas.register(make_user(Role.PRODUCER, producer=producer), producer, title="  ")
    assert not Idea.objects.exists()


def test_commune_officer_comments_and_sets_status_producer_sees_comments(client_of):
    idea = new_idea()
    officer = make_user(Role.COMMUNE_OFFICER, commune=idea.producer.commune)
    ideas.comment(officer, idea, "Cần bổ sung nguồn nguyên liệu")
    ideas.set_status(officer, idea, IdeaStatus.ACCEPTED)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED
    producer_user = make_user(Role.PRODUCER, producer=idea.producer)
    page = client_of(producer_user).get(reverse("evaluation:idea_detail", args=[idea.pk]))
    assert page.status_code == 200
    assert "Cần bổ sung nguồn nguyên liệu" in page.content.decode()
    assert 'id="status-form"' not in page.content.decode()


def test_status_only_by_the_commune_officer_of_the_commune_nothing_changed():
    idea = new_idea()
    for user in (
        make_user(Role.PRODUCER, producer=idea.producer),
        make_user(Role.COMMUNE_OFFICER, commune=other_commune(idea.producer.commune)),
        make_user(Role.PROVINCE_OFFICER),
    ):
        with pytest.raises(PermissionDenied):
            ideas.set_status(user, idea, IdeaStatus.NOT_SUITABLE)
    officer = make_user(Role.COMMUNE_OFFICER, commune=idea.producer.commune)
    with pytest.raises(ValidationError):
        ideas.set_status(officer, idea, "bogus")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NEW


def test_comment_refusals():
    idea = new_idea()
    with pytest.raises(PermissionDenied):
        ideas.comment(make_user(Role.PRODUCER), idea, "x")
    with pytest.raises(PermissionDenied):
        ideas.comment(make_user(Role.PROVINCE_OFFICER), idea, "x")
    with pytest.raises(ValidationError):
        ideas.comment(make_user(Role.COMMUNE_OFFICER, commune=idea.producer.commune), idea, " ")
    assert not IdeaComment.objects.exists()


# ------------------------------------------------------------------------------------------ pages


def test_list_scoping(client_of):
    here = new_idea(ProducerFactory(commune=commune()), title="Ý tưởng ở đây")
    there = new_idea(ProducerFactory(commune=other_commune(commune())), title="Ý tưởng nơi khác")
    elsewhere = new_idea(ProducerFactory(commune=commune(province="01")), title="Ý tưởng Hà Nội")
    url = reverse("evaluation:idea_list")
    seen = lambda user: client_of(user).get(url).content.decode()  # noqa: E731
    producer_page = seen(make_user(Role.PRODUCER, producer=here.producer))
    assert here.title in producer_page and there.title not in producer_page
    commune_page = seen(make_user(Role.COMMUNE_OFFICER, commune=here.producer.commune))
    assert here.title in commune_page and there.title not in commune_page
    province_page = seen(make_user(Role.PROVINCE_OFFICER))
    assert (
        here.title in province_page and there.title in province_page and elsewhere.title not in province_page
    )


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.COUNCIL_MEMBER, 403),
        (Role.MINISTRY, 403),
        (Role.PRODUCER, 200),
        (Role.COMMUNE_OFFICER, 200),
        (Role.PROVINCE_OFFICER, 200),
    ],
)
def test_list_roles(client_of, role, status):
    assert client_of(make_user(role)).get(reverse("evaluation:idea_list")).status_code == status


def test_anonymous_redirected(client):
    for url in (reverse("evaluation:idea_list"), reverse("evaluation:idea_create")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_detail_out_of_scope_is_404_and_province_reads_only(client_of):
    idea = new_idea()
    url = reverse("evaluation:idea_detail", args=[idea.pk])
    assert client_of(make_user(Role.PRODUCER)).get(url).status_code == 404
    assert client_of(make_user(Role.PROVINCE_OFFICER, province_id="01")).get(url).status_code == 404
    province = client_of(make_user(Role.PROVINCE_OFFICER))
    assert province.get(url).status_code == 200
    assert province.post(url, {"op": "status", "status": "accepted"}).status_code == 403
    assert province.post(url, {"op": "comment", "text": "x"}).status_code == 403
    assert client_of(make_user(Role.MINISTRY)).get(url).status_code == 403
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NEW and not IdeaComment.objects.exists()


def test_create_page_and_post(client_of):
    user = make_user(Role.PRODUCER)
    client = client_of(user)
    assert client.get(reverse("evaluation:idea_create")).status_code == 200
    response = client.post(
        reverse("evaluation:idea_create"),
        {"producer": user.producer_id, "title": "Bột sắn dây", "product_set": ""},
    )
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluation:idea_detail", args=[idea.pk]
    )
    assert idea.producer_id == user.producer_id
    # A forged producer id of another producer is not among the choices: refused, nothing saved.
    other = ProducerFactory()
    response = client.post(reverse("evaluation:idea_create"), {"producer": other.pk, "title": "Giả"})
    assert response.status_code == 200 and Idea.objects.count() == 1
    assert (
        client_of(make_user(Role.PROVINCE_OFFICER)).get(reverse("evaluation:idea_create")).status_code == 403
    )


def test_commune_officer_sets_status_through_the_page(client_of):
    idea = new_idea()
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=idea.producer.commune))
    url = reverse("evaluation:idea_detail", args=[idea.pk])
    assert officer.post(url, {"op": "status", "status": "not_suitable"}).status_code == 302
    assert officer.post(url, {"op": "comment", "text": "Không phù hợp vùng nguyên liệu"}).status_code == 302
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NOT_SUITABLE and idea.comments.count() == 1


def test_idea_list_query_count_is_fixed(client_of, django_assert_max_num_queries):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune())
    client = client_of(officer)
    new_idea(ProducerFactory(commune=officer.commune))
    client.get(reverse("evaluation:idea_list"))
    with django_assert_max_num_queries(10) as small:
        assert client.get(reverse("evaluation:idea_list")).status_code == 200
    for _ in range(8):
        new_idea(ProducerFactory(commune=officer.commune))
    with django_assert_max_num_queries(10) as large:
        assert client.get(reverse("evaluation:idea_list")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
