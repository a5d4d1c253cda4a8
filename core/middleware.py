"""Request hygiene that every view relies on."""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string


class RejectNulBytesMiddleware:
    """Answer 400 to a request whose parameters contain a NUL character.

    No browser form sends one, PostgreSQL text columns cannot hold one, and a
    lookup with it fails deep inside the database driver: refusing it here keeps
    every form and filter from answering with a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (
            request.method == "POST"
            and request.content_type != "multipart/form-data"
            and _has_nul(request.POST)
        ):
            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()
    )
