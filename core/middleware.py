"""Request hygiene that every view relies on, and the user's remembered language."""

import logging

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.error_pages import is_write_conflict

logger = logging.getLogger(__name__)

# The language the user chose (from their preference at login, or the switcher).
SESSION_LANGUAGE = "user_language"


class RejectNulBytesMiddleware:
    """Answer 400 to a request with a NUL character in its path, its query, its form
    fields or its session cookie.

    No browser sends one, PostgreSQL text columns cannot hold one, and a lookup
    with it fails deep inside the database driver (``/contacts/CT%00001/`` looked
    the contact up by a No. with a NUL: a 500 on PostgreSQL, a 404 on SQLite):
    refusing it here keeps every page, form and filter, the admin's included, from
    answering with a server error. The path is checked percent-decoded. Multipart
    posts are checked field by field; the contents of uploaded files are the
    import's to judge. Goes before
    ``UserLanguageMiddleware``, which reads the session.

    The other characters a database cannot store are lone surrogates, and those
    cannot arrive: Django decodes the path as UTF-8 and percent-encodes again what is
    not valid UTF-8 (``%ff``, the overlong ``%c0%80``, the surrogate ``%ed%a0%80``
    stay as these six or nine characters), and the query and form fields replace
    such bytes with U+FFFD.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or "\x00" in request.path_info
            or "\x00" in request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
            or _has_nul(request.GET)
            or (request.method == "POST" and _post_has_nul(request))
        ):
            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()
    )


def _post_has_nul(request) -> bool:
    """A NUL in a form field's name or value, or in the field name of an uploaded file
    (Django drops unprintable characters from the file's own name). Reading
    ``request.POST`` parses a multipart body here rather than in the view; a malformed
    one raises ``MultiPartParserError``, which Django answers with 400."""
    return _has_nul(request.POST) or any("\x00" in name for name in request.FILES)


class AdminObjectKeyMiddleware:
    """Answer 404 to an admin page of an object whose key cannot be one
    (``/admin/campaigns/campaign/XY/history/``: the ids are numbers).

    Django's own admin pages treat such a key as a missing object, but the history
    page of django-simple-history looks it up as it is and failed with a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        model_admin = getattr(view_func, "model_admin", None)
        object_id = view_kwargs.get("object_id")
        if model_admin is None or object_id is None:
            return None
        try:
            model_admin.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404(
                _("There is no %(name)s with the key “%(key)s”.")
                % {"name": model_admin.model._meta.verbose_name, "key": object_id}
            ) from None
        return None


class WriteConflictMiddleware:
    """Answer 409 "another user changed the same records; nothing was saved" when a
    view's transaction ended because another one wrote the same rows at the same
    moment (``core.error_pages.is_write_conflict``: a deadlock, a serialization
    failure, a key checked at the commit that the other user's delete broke).

    The services lock what they change in one order (docs/concurrency.md), so this is
    the rare case they cannot foresee; the transaction was rolled back, so trying
    again is safe. The page links back to where the user came from. The API answers
    the same with a problem document (``api.exceptions``). Logged as a warning with
    its traceback: a conflict that repeats is a lock order to fix."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_write_conflict(exception):
            return None
        logger.warning("write conflict on %s", request.path, exc_info=exception)
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = ""
        return HttpResponse(
            render_to_string("409.html", {"back_url": back}, request=request), status=409
        )


def remember_language(request, language: str) -> None:
    """The user chose ``language`` with the switcher: keep it for this session and,
    when logged in, on the user (``core.UserPreference``) for every later login."""
    from core.models import UserPreference

    request.session[SESSION_LANGUAGE] = language
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        UserPreference.objects.update_or_create(user=user, defaults={"language": language})


def apply_language_at_login(sender, request, user, **kwargs):
    """``user_logged_in``: the pages take the user's saved language on any browser.
    A language chosen with the switcher on the login page (kept in the session
    since the last logout) is the newer choice: it becomes the user's."""
    from core.models import UserPreference

    session = getattr(request, "session", None)
    if session is None:
        return
    chosen = session.get(SESSION_LANGUAGE)
    if chosen in dict(settings.LANGUAGES):
        UserPreference.objects.update_or_create(user=user, defaults={"language": chosen})
        return
    saved = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if saved in dict(settings.LANGUAGES):
        session[SESSION_LANGUAGE] = saved


class UserLanguageMiddleware:
    """Pages in the language of the session (set at login from the user's
    preference) whatever the browser's cookie says, and the cookie follows, so
    the login page after logging out keeps that language. Reads the session only:
    no query per request. Goes after ``LocaleMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = _session_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # After the view: logging in may just have set the language of the session.
        language = _session_language(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if (
            language
            and request.COOKIES.get(cookie) != language
            and cookie not in response.cookies  # the switcher sets it itself
        ):
            response.set_cookie(
                cookie,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def _session_language(request) -> str | None:
    session = getattr(request, "session", None)
    language = session.get(SESSION_LANGUAGE) if session is not None else None
    return language if language in dict(settings.LANGUAGES) else None
