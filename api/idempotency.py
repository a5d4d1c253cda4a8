"""``Idempotency-Key`` on POST: a retry gets the first answer (docs/api.md)."""

import hashlib
import json

from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api import services
from api.exceptions import Conflict, Unprocessable
from core.arguments import text_arg

HEADER = "Idempotency-Key"
KEY_REUSED = _("This Idempotency-Key was used for a different request.")
IN_PROGRESS = _("A request with this Idempotency-Key is still being processed.")
# Answers a retry should not repeat: try again later, or not ours to keep.
NOT_KEPT = {409, 429}


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request, act) -> Response:
    """Run ``act`` (returns a Response) once per Idempotency-Key of the user."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return act()
    key = text_arg(key, label=HEADER, max_length=255)
    method_path = f"{request.method} {request.path}"[:500]
    request_hash = _request_hash(request)
    record, new = services.claim_idempotency_key(
        user=request.user, key=key, method_path=method_path, request_hash=request_hash
    )
    if not new:
        if record.request_hash != request_hash or record.method_path != method_path:
            raise Unprocessable(KEY_REUSED)
        if record.status is None:
            raise Conflict(IN_PROGRESS)
        response = Response(record.body, status=record.status)
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        response = act()
    except Exception:
        services.release_idempotency_key(record=record)
        raise
    if response.status_code >= 500 or response.status_code in NOT_KEPT:
        services.release_idempotency_key(record=record)
    else:
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        services.store_idempotent_response(record=record, status=response.status_code, body=body)
    return response
