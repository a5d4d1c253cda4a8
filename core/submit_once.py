"""One-time form tokens: a form posted twice is done once.

A double click, the browser's "resend" or Back-and-submit posts the same form again;
for a create form or an action that would make a second record, a second set of tasks,
a second logging. Each form page of ``core.generic_views`` (create/edit forms and yes/no
actions) renders a hidden ``_submit_once`` field with a fresh random token. When a post
with a token succeeds (a redirect without an error message), the token is kept in the
user's session with the address the success led to. A later post of the same token is
not done again: the user is sent to that address with the message "This form was
already submitted."

- A post **without** a token works as before (the tests post forms directly, other
  clients may too); a post with a token that failed (form errors, a refusal) keeps it
  usable, so the corrected form can be sent.
- A double click sends the two posts at the same time: the check, the work and the
  record of the token run in one transaction that first locks the session's row (on
  PostgreSQL ``SELECT … FOR UPDATE``; SQLite runs one writing transaction at a time),
  so the second post waits for the first and then finds its token.
- The session keeps the last ``KEEP`` tokens.
"""

import re
import secrets

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _

FIELD = "_submit_once"
SESSION_KEY = "submitted_forms"
KEEP = 50
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(16)


def posted_token(request) -> str | None:
    """The token of a POST, when it carries a well-formed one."""
    if request.method != "POST":
        return None
    token = request.POST.get(FIELD, "")
    return token if TOKEN.fullmatch(token) else None


def hidden_field(request) -> str:
    """The hidden input of a form page: the posted token again when the page shows the
    form back (errors, a confirmation step), otherwise a new one."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, posted_token(request) or new_token()
    )


def _stored(request) -> dict:
    """The session's submitted tokens as stored now, not as loaded at the start of the
    request; with database sessions the row stays locked until the transaction ends."""
    session = request.session
    model = getattr(session, "model", None)  # database-backed session stores only
    key = session.session_key
    if model is not None and key:
        row = model.objects.select_for_update().filter(session_key=key).first()
        data = session.decode(row.session_data) if row is not None else {}
        return dict(data.get(SESSION_KEY) or {})
    return dict(session.get(SESSION_KEY) or {})


def _remember(request, tokens: dict, token: str, url: str) -> None:
    tokens[token] = url
    request.session[SESSION_KEY] = dict(list(tokens.items())[-KEEP:])
    request.session.save()  # inside the transaction: a waiting second post sees it


def _succeeded(request, response) -> bool:
    if response.status_code not in (301, 302, 303) or not response.get("Location"):
        return False
    storage = messages.get_messages(request)
    used = storage.used
    failed = any(message.level >= messages.ERROR for message in storage)
    storage.used = used  # only looked at: the messages are still shown on the next page
    return not failed


class SubmitOnceMixin:
    """For a view with a form: refuse a post whose token was already submitted.

    Put it after the permission mixin (a user without the permission gets 403 first)
    and render ``{{ submit_once_field }}`` inside the ``<form>``.
    """

    def dispatch(self, request, *args, **kwargs):
        token = posted_token(request)
        if token is None:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            tokens = _stored(request)
            earlier = tokens.get(token)
            if earlier is not None:
                messages.warning(request, _("This form was already submitted."))
                return HttpResponseRedirect(earlier)
            response = super().dispatch(request, *args, **kwargs)
            if _succeeded(request, response):
                _remember(request, tokens, token, response["Location"])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["submit_once_field"] = hidden_field(self.request)
        return context
