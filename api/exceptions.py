"""Errors as RFC 9457 problem details, ``application/problem+json`` (docs/api.md)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.concurrency import RecordChanged
from core.error_pages import is_write_conflict

PROBLEM_TYPE = "application/problem+json"
# Another transaction wrote the same rows at the same moment; this one was rolled back.
WRITE_CONFLICT = _(
    "Another user changed the same records at the same moment. Nothing was saved; try again."
)
logger = logging.getLogger(__name__)

TITLES = {
    400: _("The request is not valid."),
    401: _("Not authenticated."),
    403: _("Permission denied."),
    404: _("Not found."),
    405: _("Method not allowed."),
    406: _("Not acceptable."),
    409: _("The record was changed by someone else."),
    415: _("Unsupported media type."),
    422: _("The request cannot be processed."),
    429: _("Too many requests."),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = TITLES[409]
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = TITLES[422]
    default_code = "unprocessable"


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _nested(value):
    """A field's messages; the errors of a nested object or list keep their keys
    (``{"contacts": {"3": {"name": [...]}}}``, docs/api.md)."""
    if isinstance(value, dict):
        return {str(name): _nested(item) for name, item in value.items()}
    return _messages(value)


def validation_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ``ValidationError`` by field; messages not about one field under
    ``non_field_errors`` (DRF's name for them)."""
    if hasattr(error, "error_dict"):
        return {
            (name if name != "__all__" else "non_field_errors"): [str(m) for m in messages]
            for name, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def problem(status_code: int, detail, *, errors=None, headers=None, extra=None) -> Response:
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status_code, detail)),
        "status": status_code,
        "detail": str(detail),
    }
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_TYPE)


def problem_exception_handler(exc, context):
    """DRF's exception handler, answering every error as a problem document."""
    if isinstance(exc, RecordChanged):
        return problem(409, exc.messages[0], extra={"version": exc.version})
    if is_write_conflict(exc):  # core.middleware.WriteConflictMiddleware, for pages
        logger.warning("write conflict on %s", context["request"].path, exc_info=exc)
        return problem(409, WRITE_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        errors = validation_errors(exc)
        return problem(400, " ".join(exc.messages), errors=errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        name: value
        for name, value in response.items()
        if name in ("Retry-After", "WWW-Authenticate", "Allow")
    }
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": _messages(data)}
        errors = {name: _nested(value) for name, value in errors.items()}
        return problem(400, TITLES[400], errors=errors, headers=headers)
    detail = data.get("detail", "") if isinstance(data, dict) else data
    return problem(response.status_code, detail, headers=headers)
