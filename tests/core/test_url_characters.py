"""No 500 from any character in a URL, a query or a form (docs/security.md).

A NUL cannot be stored in a PostgreSQL text column, and a lookup with one failed
inside the database driver: ``core.middleware.RejectNulBytesMiddleware`` answers
400 to a NUL anywhere in the path (percent-decoded), the query, a form field (also
of a multipart post) or the session cookie. Every URL pattern of the project (from
the permission matrix) is requested with a NUL in each of its string parts, and every
model registered in the admin with a NUL in the search and in the object's key; all
as a superuser, who reaches every view. Bytes that are not UTF-8 (``%ff``, the
overlong ``%c0%80``, the encoded surrogate ``%ed%a0%80``) give a normal page or a
4xx. Runs on SQLite and on PostgreSQL (where a NUL used to be a 500).
"""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.urls.converters import PathConverter, StringConverter

from tests.core.test_permission_matrix import MATRIX, request, url_patterns

pytestmark = pytest.mark.bad_input

NUL = "\x00"
# Bytes a database could not store if they were decoded as they are.
UNDECODABLE = ["%ff", "%c0%80", "%ed%a0%80"]

PATTERNS = {name: pattern for name, _route, pattern in url_patterns() if name in MATRIX}
STRING_KWARGS = {
    name: sorted(
        kwarg
        for kwarg, converter in pattern.pattern.converters.items()
        if isinstance(converter, StringConverter | PathConverter)
    )
    for name, pattern in PATTERNS.items()
}
WITH_STRINGS = sorted(name for name, kwargs in STRING_KWARGS.items() if kwargs)
ADMIN_MODELS = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
)


@pytest.fixture(scope="module")
def superuser_session(demo_data, django_db_blocker):
    """A superuser's session, made once for the module in the demo data's transaction."""
    with django_db_blocker.unblock():
        user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        assert user is not None, "the demo data has a superuser"
        client = Client()
        client.force_login(user)
        return user, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def superuser(superuser_session, demo_data, db):
    """The superuser's client, and the user whose records fill the URLs (a superuser
    has no jobs of their own; the manager has)."""
    _user, key = superuser_session
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return get_user_model().objects.get(pk=demo_data["manager"].pk), client


def with_nul(text: str) -> str:
    """``text`` with a NUL in the middle (a lookup key that nearly exists)."""
    middle = len(text) // 2
    return text[:middle] + NUL + text[middle:]


def status_of(client, method, url) -> int:
    """The status of one request, in a savepoint that is rolled back."""
    response, error = request(client, method, url)
    assert not error, f"{method.upper()} {url!r}: {error}"
    return response.status_code


def post_form(client, url, data):
    """A multipart post in a savepoint that is rolled back; an exception fails the test."""
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


def test_the_walk_covers_the_url_patterns_with_string_parts():
    assert len(WITH_STRINGS) >= 100
    assert "contacts:contact_card" in WITH_STRINGS
    assert len(ADMIN_MODELS) >= 30


@pytest.mark.parametrize("name", WITH_STRINGS)
def test_a_nul_in_any_string_part_of_a_url_is_refused_with_400(name, superuser):
    user, client = superuser
    kwargs = MATRIX[name].kwargs(user)
    problems = []
    for kwarg in STRING_KWARGS[name]:
        url = reverse(name, kwargs={**kwargs, kwarg: with_nul(str(kwargs[kwarg]))})
        assert "%00" in url
        for method in ("get", "post"):
            status = status_of(client, method, url)
            if status != 400:
                problems.append(f"{method.upper()} {url}: {status}")
    assert not problems, problems


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_nul_in_the_query_of_any_url_is_refused_with_400(name, superuser):
    user, client = superuser
    page = MATRIX[name]
    url = reverse(name, kwargs=page.kwargs(user) if page.kwargs else None)
    assert status_of(client, "get", f"{url}?q=a%00b") == 400
    assert status_of(client, "post", f"{url}?next=%00") == 400


@pytest.mark.parametrize("name", WITH_STRINGS)
def test_bytes_that_are_not_utf8_in_a_url_give_a_page_or_a_4xx(name, superuser):
    user, client = superuser
    kwargs = MATRIX[name].kwargs(user)
    problems = []
    for kwarg in STRING_KWARGS[name]:
        for raw in UNDECODABLE:
            url = reverse(name, kwargs={**kwargs, kwarg: "X"}).replace("/X/", f"/X{raw}/", 1)
            assert raw in url, url
            status = status_of(client, "get", url)
            if status >= 500:
                problems.append(f"GET {url}: {status}")
            status = status_of(client, "get", f"{url}?q={raw}")
            if status >= 500:
                problems.append(f"GET {url}?q={raw}: {status}")
    assert not problems, problems


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_a_nul_in_an_admin_page_is_refused_with_400(label, superuser):
    _user, client = superuser
    app_label, model_name = label.split(".")
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    prefix = f"admin:{app_label}_{model_name}"
    changelist = reverse(f"{prefix}_changelist")
    instance = model._default_manager.order_by("pk").first()
    keys = ["X\x00Y", with_nul(str(instance.pk)) if instance is not None else "1\x00"]
    urls = [f"{changelist}?q=a%00b", f"{changelist}?{NUL}=1".replace(NUL, "%00")]
    for key in keys:
        urls += [reverse(f"{prefix}_{view}", args=[key]) for view in ("change", "delete")]
        urls.append(reverse(f"{prefix}_history", args=[key]))
    problems = []
    for url in urls:
        for method in ("get", "post"):
            status = status_of(client, method, url)
            if status != 400:
                problems.append(f"{method.upper()} {url}: {status}")
    assert not problems, problems


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_a_key_that_cannot_be_one_or_is_not_utf8_gives_an_admin_page_a_4xx(label, superuser):
    """``XY`` as the id of a model with number ids: the history page of
    django-simple-history looked it up as it was (a 500)."""
    _user, client = superuser
    app_label, model_name = label.split(".")
    prefix = f"admin:{app_label}_{model_name}"
    problems = []
    for key in ["XY", "-1", "1.5", "9" * 30, *UNDECODABLE]:
        for view in ("change", "delete", "history"):
            url = reverse(f"{prefix}_{view}", args=["KEY"]).replace("KEY", key)
            status = status_of(client, "get", url)
            if not 300 <= status < 500:
                problems.append(f"GET {url}: {status}")
    changelist = reverse(f"{prefix}_changelist")
    for raw in UNDECODABLE:
        status = status_of(client, "get", f"{changelist}?q={raw}")
        if status != 200:
            problems.append(f"GET {changelist}?q={raw}: {status}")
    assert not problems, problems


def test_a_nul_in_a_multipart_form_field_is_refused_but_not_in_an_uploaded_file(superuser):
    _user, client = superuser
    url = reverse("contacts:contact_import")
    upload = SimpleUploadedFile("contacts.csv", b"name\nAB\n", "text/csv")
    assert post_form(client, url, {"file": upload, "note": "a\x00b"}).status_code == 400
    upload = SimpleUploadedFile("contacts.csv", b"name\nAB\n", "text/csv")
    assert post_form(client, url, {"file": upload, "no\x00te": "x"}).status_code == 400
    # A NUL in the file is the import's to judge: a page that says what is wrong.
    upload = SimpleUploadedFile("contacts.csv", b"name\nA\x00B\n", "text/csv")
    response = post_form(client, url, {"file": upload})
    assert response.status_code == 200
    assert "NUL" in response.content.decode()


def test_a_nul_in_the_session_cookie_is_refused_with_400(db):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"
    assert client.get(reverse("contacts:contact_list")).status_code == 400
    # Quoted with an octal escape, as a cookie header may carry it.
    response = Client().get(
        reverse("home"), HTTP_COOKIE=f'{settings.SESSION_COOKIE_NAME}="abcdefghij\\000kl"'
    )
    assert response.status_code == 400
