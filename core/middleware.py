"""Request hygiene that every view relies on, and the user's remembered language."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import translation

# The language the user chose (from their preference at login, or the switcher).
SESSION_LANGUAGE = "user_language"


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
