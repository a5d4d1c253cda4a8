"""Every error under /api/ is a problem document (docs/api.md, Errors), also one answered
before or after the API's views: a request the site's request hygiene refuses (a NUL in
the query, a multipart body without its boundary: core.middleware), a path that names
no route (a No. with a ``/`` in it), a server error."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from api.exceptions import PROBLEM_TYPE, TITLES

API_PREFIX = "/api/"
JSON_TYPES = (PROBLEM_TYPE, "application/json")
# Kept from the page's answer: when to retry, what to send.
KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")
SERVER_TITLES = {
    500: _("Server error."),
    503: _("The service is not available at the moment; try again later."),
}


class ProblemErrorsMiddleware:
    """Turns an error page (HTML) answered to an /api/ path into a problem document with
    the same status. Goes after ``LocaleMiddleware`` (the title in the request's
    language) and before ``core.middleware.RejectNulBytesMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith(JSON_TYPES):
            return response
        status = response.status_code
        title = str(TITLES.get(status) or SERVER_TITLES.get(status) or response.reason_phrase)
        body = {"type": "about:blank", "title": title, "status": status, "detail": title}
        problem = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
        for name in KEPT_HEADERS:
            if name in response:
                problem[name] = response[name]
        return problem
