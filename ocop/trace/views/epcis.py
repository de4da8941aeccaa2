"""The EPCIS 2.0 REST binding: capture (POST /epcis/capture, POST /epcis/events), capture jobs, and the
SimpleEventQuery (GET /epcis/events, GET /epcis/events/{eventID}).

EPCIS has its own media types and headers, so these are plain Django views (not the ninja API). Machines
authenticate with `Authorization: Bearer <token>` (ocop.accounts.auth); capture needs a producer's or an
integrator's token; queries are open to anyone and show each caller what it may see. Every error is an
`application/problem+json` whose type is an EPCIS exception name."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ocop.accounts.auth import user_for_key
from ocop.core.api.problems import REALM, InvalidToken, problem
from ocop.core.views import public

from .. import epcis, query
from ..models import CaptureJob, Event
from ..services import events as services

JSON_TYPES = ("application/json", "application/ld+json")
RESPONSE_TYPE = "application/ld+json"
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
EXC = "epcisException:"
MAX_DEPTH = 64  # far beyond any EPCIS document; keeps recursive validation and hashing safe


class _Refusal(Exception):
    def __init__(self, status: int, exception: str, detail: str, **extra) -> None:
        super().__init__(detail)
        self.status, self.exception, self.detail, self.extra = status, exception, detail, extra


def _headers(response: HttpResponse, capture: bool = False) -> HttpResponse:
    for name, value in VERSION_HEADERS.items():
        response[name] = value
    if capture:
        response["GS1-EPCIS-Capture-Limit"] = str(services.capture_limit())
    return response


def _problem(request: HttpRequest, refusal: _Refusal, capture: bool = False) -> HttpResponse:
    headers = {}
    if refusal.status == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    response = problem(
        request,
        refusal.status,
        refusal.detail,
        type=EXC + refusal.exception,
        headers=headers,
        **refusal.extra,
    )
    return _headers(response, capture)


def _json(data, status: int = 200, content_type: str = RESPONSE_TYPE) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=content_type)


def _token_user(request: HttpRequest):
    """The user of the request's bearer token, None without one. Raises _Refusal for a bad token."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _sep, key = header.partition(" ")
    if scheme.lower() != "bearer":
        raise _Refusal(401, "SecurityException", _("Send an “Authorization: Bearer <token>” header."))
    try:
        return user_for_key(key)
    except InvalidToken as exc:
        raise _Refusal(401, "SecurityException", str(exc.message)) from exc


def _capturer(request: HttpRequest):
    user = _token_user(request)
    if user is None:
        raise _Refusal(
            401, "SecurityException", _("Capture needs an “Authorization: Bearer <token>” header.")
        )
    if not services.can_capture(user):
        raise _Refusal(403, "SecurityException", _("Only producers and machine clients may capture events."))
    return user


def _reader(request: HttpRequest):
    user = _token_user(request)
    if user is not None:
        return user
    session_user = getattr(request, "user", None)
    return session_user if session_user is not None and session_user.is_authenticated else None


def _body(request: HttpRequest):
    content_type = (request.content_type or "").lower()
    if content_type not in JSON_TYPES:
        raise _Refusal(
            415,
            "ValidationException",
            _("Send the document as application/json or application/ld+json."),
        )
    try:
        body = request.body
    except RequestDataTooBig as exc:  # Django's own answer would be a bare 400 page
        raise _Refusal(
            413,
            "CaptureLimitExceededException",
            _("The body is larger than the %(size)d bytes accepted at once.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        ) from exc
    try:
        data = json.loads(body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refusal(
            400, "ValidationException", _("The body is not valid JSON: %(error)s") % {"error": exc}
        ) from exc
    except RecursionError as exc:
        data = exc
    if isinstance(data, RecursionError) or _too_deep(data):
        # validation and hashing walk the document recursively: refuse it before they crash on it
        raise _Refusal(
            400,
            "ValidationException",
            _("The document is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH},
        )
    return data


def _too_deep(data) -> bool:
    """Whether objects and arrays are nested more than MAX_DEPTH levels (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _validation_detail(errors: list[dict]) -> str:
    shown = "; ".join(f"{e['path'] or '(document)'}: {e['message']}" for e in errors[:3])
    more = len(errors) - 3
    return shown + (_(" (and %(count)d more)") % {"count": more} if more > 0 else "")


def _method_not_allowed(request: HttpRequest, allowed: str, capture: bool = False) -> HttpResponse:
    response = problem(
        request,
        405,
        _("This address does not accept the %(method)s method.") % {"method": request.method},
        headers={"Allow": allowed},
    )
    return _headers(response, capture)


@public
@csrf_exempt
def capture(request: HttpRequest) -> HttpResponse:
    """POST /epcis/capture: an EPCISDocument; 202 with the job's Location (the job is already finished)."""
    if request.method == "OPTIONS":
        return _headers(HttpResponse(status=204, headers={"Allow": "POST, OPTIONS"}), capture=True)
    if request.method != "POST":
        return _method_not_allowed(request, "POST, OPTIONS", capture=True)
    try:
        user = _capturer(request)
        document = _body(request)
        behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback")
        try:
            job = services.capture(user, document, error_behaviour=behaviour)
        except services.CaptureRefused as exc:
            name = "CaptureLimitExceededException" if exc.status == 413 else "ValidationException"
            raise _Refusal(exc.status, name, str(exc)) from exc
    except _Refusal as refusal:
        return _problem(request, refusal, capture=True)
    location = reverse("trace:epcis_capture_job", args=[job.pk])
    if job.status == CaptureJob.Status.FAILED:
        refusal = _Refusal(
            400,
            "ValidationException",
            _validation_detail(job.errors),
            errors=job.errors,
            captureID=str(job.pk),
        )
        response = _problem(request, refusal, capture=True)
        response["Location"] = location
        return response
    response = HttpResponse(status=202)
    response["Location"] = location
    return _headers(response, capture=True)


def _job_json(job: CaptureJob) -> dict:
    return {
        "captureID": str(job.pk),
        "createdAt": epcis.format_time(job.created_at),
        "finishedAt": epcis.format_time(job.finished_at) if job.finished_at else None,
        "running": job.status == CaptureJob.Status.RUNNING,
        "success": job.status == CaptureJob.Status.SUCCESS,
        "status": job.status,
        "captureErrorBehaviour": job.error_behaviour,
        "eventCount": job.event_count,
        "errors": job.errors,
    }


@public
@csrf_exempt
def capture_job(request: HttpRequest, job_id) -> HttpResponse:
    """GET /epcis/capture/{id}: a capture job, to the user who sent it only."""
    if request.method != "GET":
        return _method_not_allowed(request, "GET", capture=True)
    try:
        user = _token_user(request) or _reader(request)
        if user is None:
            raise _Refusal(401, "SecurityException", _("Send an “Authorization: Bearer <token>” header."))
        job = CaptureJob.objects.filter(pk=job_id).first()
        if job is None or (job.created_by_id != user.pk and not user.is_superuser):
            raise _Refusal(404, "NoSuchResourceException", _("There is no capture job with this id for you."))
    except _Refusal as refusal:
        return _problem(request, refusal, capture=True)
    return _headers(_json(_job_json(job), content_type="application/json"), capture=True)


def _query_document(events: list[dict]) -> dict:
    return {
        "@context": [epcis.CONTEXT_URL],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis.format_time(timezone.now()),
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        },
    }


def event_url(event_id: str) -> str:
    return reverse("trace:epcis_event", args=["__id__"]).replace("__id__", quote(event_id, safe=""))


@public
@csrf_exempt
def events(request: HttpRequest) -> HttpResponse:
    """GET /epcis/events: the SimpleEventQuery; POST /epcis/events: capture one event (201)."""
    if request.method == "POST":
        return _capture_one(request)
    if request.method != "GET":
        return _method_not_allowed(request, "GET, POST")
    try:
        user = _reader(request)
        try:
            page = query.run(user, dict(request.GET.lists()))
        except query.QueryParameterError as exc:
            raise _Refusal(400, "QueryParameterException", str(exc)) from exc
    except _Refusal as refusal:
        return _problem(request, refusal)
    response = _json(_query_document([event.document for event in page.events]))
    if page.next_token:
        params = [(k, v) for k, values in request.GET.lists() if k != "nextPageToken" for v in values]
        params.append(("nextPageToken", page.next_token))
        response["Link"] = f'<{request.path}?{urlencode(params)}>; rel="next"'
    return _headers(response)


def _capture_one(request: HttpRequest) -> HttpResponse:
    try:
        user = _capturer(request)
        event = _body(request)
        if isinstance(event, dict) and event.get("type") in ("EPCISDocument", "EPCISQueryDocument"):
            raise _Refusal(
                400, "ValidationException", _("Send one event here; documents go to /epcis/capture.")
            )
        try:
            row = services.capture_event(user, event)
        except ValidationError as exc:
            raise _Refusal(400, "ValidationException", "; ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise _Refusal(403, "SecurityException", _("You may not capture events.")) from exc
    except _Refusal as refusal:
        return _problem(request, refusal, capture=True)
    response = HttpResponse(status=201)
    response["Location"] = event_url(row.event_id)
    return _headers(response, capture=True)


@public
@csrf_exempt
def event(request: HttpRequest, event_id: str) -> HttpResponse:
    """GET /epcis/events/{eventID}: one event (the eventID URL-encoded), as an EPCISQueryDocument."""
    if request.method != "GET":
        return _method_not_allowed(request, "GET")
    try:
        user = _reader(request)
        found = Event.objects.visible_to(user).filter(event_id=event_id).first()
        if found is None:
            raise _Refusal(404, "NoSuchResourceException", _("No event with this eventID is visible to you."))
    except _Refusal as refusal:
        return _problem(request, refusal)
    return _headers(_json(_query_document([found.document])))
