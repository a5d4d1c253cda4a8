"""Bad input (docs/security.md): generated data posted to every form and every POST action.

Every URL pattern that answers POST (taken from the URL patterns, like the permission
matrix, so a new form is covered without touching this file) gets generated data from
a superuser (who reaches every view): empty values, 10,000-character strings,
unicode (emoji, right-to-left, combining characters, control characters — not NUL, which
the middleware refuses with 400, checked separately below), negative and huge numbers,
malformed dates (2026-02-30, 31-31-2026, "yesterday"), malformed date formulas, unknown
codes and keys, wrong types, several values for one field, fields left out. For every
example:

- never a 500;
- no partial write: unless the answer is a success (a redirect without an error
  message), the row count of every model of the project's apps (their history tables
  included) is unchanged;
- a success is a valid full write: the rows it added and the record of the page pass
  the model's own validation (``full_clean``: lengths, choices, constraints), which the
  database (SQLite) would not enforce.

How the data is made: the page is fetched once (GET) as a browser would, and the form
on it is read: the values a browser would send (the baseline), and the Django form
fields behind them (from the template context), which give each field its valid values
(choices, existing keys, dates, numbers in range) and its bad ones. Keys a view reads
from ``request.POST`` itself (``confirm``, ``update_lines``, ``_fill`` …, found in its
source) are posted too. An example keeps most fields valid and makes a few bad, so the
data gets past the form into the services.

``pytest -m bad_input`` gives every form ``EXAMPLES`` (200) examples; the normal suite
gives ``QUICK_EXAMPLES``. A POST view without any field or key it reads (deletes, yes/no
actions) does the same thing whatever is posted, and gets at most
``FIELDLESS_EXAMPLES``. A POST view that the test cannot reach must be listed in
``EXCLUDED`` with the reason. Every example runs in a savepoint that is rolled back, so each
starts from the same demo data. To keep the run short, the page of an unsuccessful
example is rendered (the template run) for every ``RENDER_EVERY``-th example only; the
view, form, services and database work run for every example.
"""

import datetime
import inspect
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms.formsets import BaseFormSet
from django.template.response import SimpleTemplateResponse
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core import roles
from core.date_formulas import validate_date_formula
from core.models import Job
from tests.core.test_permission_matrix import MATRIX, allows, url_patterns

# Examples per form. `pytest -m bad_input` (`make bad-input`, a step of .ci/run) runs
# EXAMPLES: about ten minutes on SQLite on a 2-core machine, too long for the normal
# suite, which runs QUICK_EXAMPLES per form (about a minute). BAD_INPUT_EXAMPLES=<n>
# sets the number for any run (a longer hunt).
EXAMPLES = 200
QUICK_EXAMPLES = 10
FIELDLESS_EXAMPLES = 20
RENDER_EVERY = 10
# A superuser reaches every view (the Marketing manager too, but a superuser's permission
# checks need no queries: the examples run faster).
SUPERUSER = "demo"

# POST views that the generated data does not reach, with the reason (the Django admin,
# under admin/, is Django's own and not looked at).
EXCLUDED: dict[str, str] = {
    "login": "the login form is for anonymous visitors, and django-axes locks a user out "
    "after failed logins (tests/core/test_pages.py tests it)",
    "logout": "takes no input and ends the session of the test client",
}

# Model fields whose rule "not blank" the application breaks on purpose (the field
# should say ``blank=True``; that needs a migration of its app), with the reason.
BLANK_ALLOWED = {
    "segments.SegmentCriteriaAction.filters": "an action without filters takes every contact",
}


# --- Which views -------------------------------------------------------------------------


def post_views() -> dict[str, object]:
    """``{url name: view class}`` of every URL pattern that answers POST."""
    views = {}
    for name, _route, pattern in url_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if allows(view_class, "post"):
            views[name] = view_class
    return views


POST_VIEWS = post_views()
COVERED = sorted(name for name in POST_VIEWS if name not in EXCLUDED)


# --- Bad values --------------------------------------------------------------------------

HUGE = [
    "x" * 10_000,
    "9" * 10_000,
    "é" * 10_000,
    "\U0001f600" * 10_000,
    "e\u0301" * 5_000,
    "-" + "9" * 400,
]
UNICODE = [
    "\U0001f600",  # emoji
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # emoji sequence with zero-width joiners
    "שלום",  # right to left
    "مرحبا بالعالم",
    "\u202eRTL override",
    "e\u0301\u0308\u0327",  # combining characters
    "Z\u0336a\u0335l\u0334g\u0337o",
    "\ufeffBOM",
    "\u200b",
    " \t\r\n ",
    "\x01\x1f\x7f",
    "ǅ ß ﬁ İ",  # case mapping changes the length
    "١٢٣",  # Arabic-Indic digits (int() accepts them)
    "²",
    "\uffff",
]
NUMBERS = [
    "-1",
    "-0",
    "0",
    "-0.01",
    "-99999999999999999999",
    "99999999999999999999999999999999999999",
    "1e309",
    "-1e309",
    "1e-400",
    "1E+25",
    "NaN",
    "Infinity",
    "-inf",
    "0x1F",
    "1,5",
    "1.234.567,89",
    "1_000",
    "12.3456789",
    str(2**63),
    str(-(2**63) - 1),
    str(2**31),
]
DATES = [
    "2026-02-30",
    "31-31-2026",
    "yesterday",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-13-01",
    "2026-00-10",
    "29.02.2023",
    "2026/02/28",
    "1/2/3",
    "2026-02-28T25:61",
    "-2026-01-01",
]
FORMULAS = [
    "1X",
    "+",
    "--1D",
    "D0",
    "D32",
    "WD0",
    "WD8",
    "1WD",
    "CM+1D+1W+2M",
    "9999Y",
    "-9999Y",
    "9999Q+9999Y",
    "99999D",
    "CX",
    "1D1D",
    "c m",
]
CODES = ["NOPE", "ZZZZZZZZZZ", "CP9999", "CT999999", "SQ999999", "999999999", "0", "-1", "a b/c"]
WRONG_TYPES = [
    "[]",
    "{}",
    "null",
    "None",
    "true",
    "on",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s %d",
    "%(object)s",
    "{name}",
    "{0}",
    "\\",
    "../../etc/passwd",
]
BAD_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=40
)
BAD_VALUE = st.one_of(
    st.sampled_from(["", " "] + HUGE + UNICODE),
    st.sampled_from(NUMBERS + DATES + FORMULAS),
    st.sampled_from(CODES + WRONG_TYPES),
    BAD_TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
)
# A field as posted: its values (several for one name is a bad value too).
BAD_VALUES = st.one_of(
    BAD_VALUE.map(lambda value: [value]),
    st.lists(BAD_VALUE, min_size=2, max_size=3),
)
EXTRA_VALUES = st.one_of(
    st.sampled_from(["", "1", "0", "yes", "no", "on", "true", "false", "confirm"]),
    BAD_VALUE,
).map(lambda value: [value])


# --- Valid values, from the form field ---------------------------------------------------


def _formula_term():
    sign = st.sampled_from(["", "+", "-"])
    unit = st.sampled_from(["D", "W", "M", "Q", "Y"])
    return st.one_of(
        st.tuples(sign, st.just("C"), st.sampled_from(["D", "WD", "W", "M", "Q", "Y"])),
        st.tuples(sign, st.integers(0, 9999).map(str), unit),
        st.tuples(sign, st.just("D"), st.integers(1, 31).map(str)),
        st.tuples(sign, st.just("WD"), st.integers(1, 7).map(str)),
    ).map("".join)


def _formula():
    def join(terms):
        text = terms[0]
        for term in terms[1:]:
            text += term if term[0] in "+-" else "+" + term
        return text

    return st.one_of(st.just(""), st.lists(_formula_term(), min_size=1, max_size=3).map(join))


def _choice_values(field) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an option group
            values += [str(inner) for inner, _label in label]
        else:
            values.append(str(value))
    return values


def _model_keys(field) -> list[str]:
    keys = []
    for obj in field.queryset[:25]:
        value = field.prepare_value(obj)
        keys.append(str(value))
    return keys


def _bounds(field, default_min, default_max):
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    return (default_min if low is None else low), (default_max if high is None else high)


def typed_values(form_field):
    """A strategy of valid-looking values (lists of strings) for ``form_field``."""
    if form_field is None:
        return None
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        keys = _model_keys(form_field)
        return st.lists(st.sampled_from(keys), max_size=3, unique=True) if keys else st.just([])
    if isinstance(form_field, forms.ModelChoiceField):
        keys = _model_keys(form_field)
        return st.sampled_from(keys).map(lambda k: [k]) if keys else st.just([""])
    if isinstance(form_field, forms.MultipleChoiceField):
        values = _choice_values(form_field)
        return st.lists(st.sampled_from(values), max_size=3, unique=True) if values else None
    if isinstance(form_field, forms.ChoiceField):
        values = _choice_values(form_field)
        return st.sampled_from(values).map(lambda v: [v]) if values else None
    if isinstance(form_field, forms.NullBooleanField):
        return st.sampled_from(["true", "false", "unknown", ""]).map(lambda v: [v])
    if isinstance(form_field, forms.BooleanField):
        return st.sampled_from([["on"], [""], ["false"], []])
    if isinstance(form_field, forms.DateTimeField):
        return st.datetimes(datetime.datetime(2020, 1, 1), datetime.datetime(2030, 12, 31)).map(
            lambda d: [d.strftime("%Y-%m-%d %H:%M")]
        )
    if isinstance(form_field, forms.DateField):
        return st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)).map(
            lambda d: [d.isoformat()]
        )
    if isinstance(form_field, forms.DecimalField):
        places = form_field.decimal_places if form_field.decimal_places is not None else 2
        digits = form_field.max_digits or 12
        limit = 10 ** (digits - places) - 1
        low, high = _bounds(form_field, -limit, limit)
        return st.decimals(
            min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False
        ).map(lambda d: [str(d)])
    if isinstance(form_field, forms.IntegerField):
        low, high = _bounds(form_field, -1000, 100_000)
        return st.integers(min_value=low, max_value=high).map(lambda n: [str(n)])
    if isinstance(form_field, forms.EmailField):
        return st.sampled_from(["anna@example.com", "x.y+z@sub.example.nl", ""]).map(lambda v: [v])
    if isinstance(form_field, forms.FileField):
        return csv_files().map(lambda f: [f])
    if isinstance(form_field, forms.CharField):
        if validate_date_formula in form_field.validators:
            return _formula().map(lambda v: [v])
        size = min(form_field.max_length or 30, 12)
        return st.one_of(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=size),
            st.text(min_size=0, max_size=size).filter(lambda t: "\x00" not in t),
        ).map(lambda v: [v])
    return None


def typed_bad_values(form_field):
    """Bad values for ``form_field``: half of them the ones its type is most sensitive
    to (dates for a date, numbers for a number …), half anything."""
    if isinstance(form_field, forms.DateField | forms.DateTimeField):
        typed = DATES + NUMBERS[:6]
    elif isinstance(form_field, forms.DecimalField | forms.IntegerField | forms.FloatField):
        typed = NUMBERS
    elif isinstance(form_field, forms.ChoiceField | forms.ModelChoiceField):
        typed = CODES + WRONG_TYPES + NUMBERS[:8]
    elif isinstance(form_field, forms.CharField) and validate_date_formula in (
        form_field.validators
    ):
        typed = FORMULAS
    elif isinstance(form_field, forms.CharField):
        typed = HUGE + UNICODE
        if form_field.max_length:
            typed = [*typed, "x" * form_field.max_length + "y"]  # one character too many
    else:
        return BAD_VALUES
    return st.one_of(st.sampled_from(typed).map(lambda value: [value]), BAD_VALUES)


CSV_HEADER = "no,type,name,company_no,job_title,email,salesperson,language,industry_groups"


def csv_files():
    """Uploaded CSV files: a header and generated rows (bad ones among them)."""
    cell = st.one_of(st.sampled_from(["", "company", "person", "en", "nl", "CT000001"]), BAD_TEXT)
    row = st.lists(cell, min_size=0, max_size=10).map(",".join)
    content = st.one_of(
        st.lists(row, max_size=5).map(lambda rows: "\n".join([CSV_HEADER, *rows])),
        st.sampled_from(["", "\ufeff", "a;b;c\n1;2", CSV_HEADER]),
        BAD_TEXT,
    )
    return st.tuples(content, st.sampled_from(["utf-8", "latin-1", "utf-16"])).map(
        lambda pair: SimpleUploadedFile(
            "contacts.csv", pair[0].encode(pair[1], "replace"), content_type="text/csv"
        )
    )


# --- Reading a page's form as a browser would --------------------------------------------


class FormReader(HTMLParser):
    """The POST forms of a page: what a browser would send, and the names it knows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.form = None
        self.select = None
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "values": {},
                "names": set(),
                "buttons": {},
                "files": set(),
            }
            self.forms.append(self.form)
            return
        form = self.form
        if form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            form["names"].add(name)
            if kind == "file":
                form["files"].add(name)
            elif kind in ("submit", "image", "button", "reset"):
                form["buttons"].setdefault(name, set()).add(attrs.get("value") or "")
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    form["values"].setdefault(name, []).append(attrs.get("value") or "on")
            else:
                form["values"].setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "button" and name:
            form["names"].add(name)
            form["buttons"].setdefault(name, set()).add(attrs.get("value") or "")
        elif tag == "select" and name:
            self.select = {
                "name": name,
                "multiple": "multiple" in attrs,
                "first": None,
                "chosen": [],
            }
            form["names"].add(name)
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
        elif tag == "textarea" and name:
            self.textarea = {"name": name, "text": ""}
            form["names"].add(name)

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "option" and self.option is not None and self.select is not None:
            value = self.option["value"]
            value = self.option["text"].strip() if value is None else value
            if self.select["first"] is None:
                self.select["first"] = value
            if self.option["selected"]:
                self.select["chosen"].append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            if not chosen and not self.select["multiple"] and self.select["first"] is not None:
                chosen = [self.select["first"]]
            if chosen and self.form is not None:
                self.form["values"].setdefault(self.select["name"], []).extend(chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            text = text[1:] if text.startswith("\n") else text
            self.form["values"].setdefault(self.textarea["name"], []).append(text)
            self.textarea = None
        elif tag == "form":
            self.form = None


def page_form(html: str, url: str) -> dict | None:
    """The POST form of the page that posts to ``url`` (the first, when several do)."""
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        if form["method"] == "post" and form["action"].split("?")[0] in ("", url):
            return form
    return None


def context_fields(response) -> dict[str, forms.Field]:
    """``{posted name: form field}`` of the forms and formsets of a rendered page."""
    found = {}
    if response.context is None:
        return found
    seen = set()
    values = [
        value for context in response.context for layer in context.dicts for value in layer.values()
    ]
    for value in values:
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, BaseFormSet):
            forms_ = [value.management_form, *value.forms]
        elif isinstance(value, forms.BaseForm):
            forms_ = [value]
        else:
            continue
        for form in forms_:
            for bound in form:
                found.setdefault(bound.html_name, bound.field)
    return found


POST_KEY = re.compile(
    r"""request\.POST(?:\.get\(|\[)\s*["']([\w-]+)["']|["']([\w-]+)["']\s+(?:not\s+)?in\s+(?:self\.)?request\.POST"""
)


def posted_keys(view_class) -> set[str]:
    """The keys a view (or a base class of the project) reads from ``request.POST`` itself."""
    keys = set()
    for klass in inspect.getmro(view_class) if view_class else ():
        module = klass.__module__.split(".")[0]
        if module not in roles.BUSINESS_APPS:
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        for match in POST_KEY.finditer(source):
            keys.add(match.group(1) or match.group(2))
    return keys


# --- One POST view -----------------------------------------------------------------------


@dataclass
class Case:
    name: str
    url: str
    kwargs: dict
    view_class: object
    baseline: dict[str, list] = field(default_factory=dict)
    fields: dict[str, object] = field(default_factory=dict)  # name -> form field or None
    extra: set[str] = field(default_factory=set)
    buttons: dict[str, set] = field(default_factory=dict)
    multipart: bool = False
    before: dict[str, int] = field(default_factory=dict)  # the row counts before an example

    @property
    def has_input(self) -> bool:
        return bool(self.fields or self.extra or self.buttons)

    def payloads(self):
        """A strategy of POST data: mostly valid, a few fields bad, some left out."""
        names = sorted(self.fields)
        good, bad_values = {}, {}
        for name in names:
            bad_values[name] = typed_bad_values(self.fields[name])
            options = []
            if name in self.baseline:
                options.append(st.just(self.baseline[name]))
            typed = typed_values(self.fields[name])
            if typed is not None:
                options.append(typed)
            if not options:
                options.append(BAD_VALUES)
            good[name] = st.one_of(options)
        extra = sorted(self.extra | set(self.buttons))

        @st.composite
        def payload(draw):
            bad = (
                draw(st.sets(st.sampled_from(names), max_size=min(3, len(names))))
                if names
                else set()
            )
            left_out = (
                draw(st.sets(st.sampled_from(names), max_size=min(2, len(names))))
                if names
                else set()
            )
            data = {}
            for name in names:
                if name in left_out:
                    continue
                data[name] = draw(bad_values[name] if name in bad else good[name])
            for name in extra:
                choices = sorted(self.buttons.get(name, ()))
                values = st.sampled_from(choices).map(lambda v: [v]) if choices else EXTRA_VALUES
                value = draw(st.one_of(st.none(), values, EXTRA_VALUES))
                if value is not None:
                    data[name] = value
            if draw(st.booleans()):
                data[draw(st.sampled_from(["junk", "id", "pk", "user", "csrfmiddlewaretoken"]))] = (
                    draw(BAD_VALUES)
                )
            return data

        return payload()


def build_case(client, name, view_class, user) -> Case:
    page = MATRIX.get(name)  # not there: a page of Django's (set_language …) without kwargs
    kwargs = page.kwargs(user) if page is not None and page.kwargs else {}
    url = reverse(name, kwargs=kwargs or None)
    case = Case(
        name=name, url=url, kwargs=kwargs, view_class=view_class, extra=posted_keys(view_class)
    )
    if allows(view_class, "get"):
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            form = page_form(response.content.decode(), url)
            typed = context_fields(response)
            if form is not None:
                case.baseline = {
                    k: v for k, v in form["values"].items() if k != "csrfmiddlewaretoken"
                }
                case.buttons = form["buttons"]
                case.multipart = bool(form["files"])
                names = (form["names"] | set(case.baseline)) - {"csrfmiddlewaretoken"}
                case.fields = {n: typed.get(n) for n in names if n not in case.buttons}
            else:
                case.fields = {n: f for n, f in typed.items()}
    case.extra -= set(case.fields)
    return case


# --- The database: counts and validity ---------------------------------------------------


def project_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in roles.BUSINESS_APPS
        and model._meta.managed
        and not model._meta.proxy
    ]


MODELS = None


def row_counts() -> dict[str, int]:
    """The row count of every model of the project's apps, in one query."""
    global MODELS  # the models are known once the apps are ready
    if MODELS is None:
        MODELS = project_models()
    quote = connection.ops.quote_name
    # The quoted table names of our own models, no user input.
    tables = [quote(m._meta.db_table) for m in MODELS]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(MODELS, row, strict=True)}


def is_history(model) -> bool:
    return any(f.name == "history_id" for f in model._meta.fields)


def invalid_rows(before: dict, after: dict, case: Case) -> list[str]:
    """The rows a success added, and the record of the page, that fail ``full_clean``."""
    problems = []
    by_label = {m._meta.label: m for m in MODELS}
    checked = []
    for label, count in after.items():
        added = count - before[label]
        model = by_label[label]
        if added > 0 and not is_history(model):
            checked += list(model.objects.order_by("-pk")[: min(added, 3)])
    model = getattr(case.view_class, "model", None)
    key = case.kwargs.get("key")
    if key is not None and model is not None and hasattr(model, "url_key"):
        try:
            obj = model.objects.filter(**{model.url_key: key}).first()
        except (ValueError, ValidationError):
            obj = None  # the key is of another record (the contact of Log interaction …)
        if obj is not None:
            checked.append(obj)
    for obj in checked:
        try:
            obj.full_clean()
        except ValidationError as error:
            errors = {
                name: texts
                for name, texts in error.message_dict.items()
                if not (
                    f"{obj._meta.label}.{name}" in BLANK_ALLOWED
                    and not getattr(obj, name, None)
                    and texts == [str(obj._meta.get_field(name).error_messages["blank"])]
                )
            }
            if errors:
                problems.append(f"{obj._meta.label} {obj.pk}: {errors}")
    return problems


# --- Fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_client():
    """One test client for the module: its request handler (the middleware, WhiteNoise's
    scan of the static files) is set up once."""
    return Client()


@pytest.fixture
def world(demo_data, db, settings, tmp_path, module_client):
    """A superuser's client on the demo data, and the POST views read from their pages."""
    from django.contrib.auth import get_user_model

    settings.CONTACT_IMPORT_DIR = tmp_path / "imports"
    user = get_user_model().objects.get(username=SUPERUSER)
    assert user.is_superuser
    # A job of their own (a user sees only their own jobs; the matrix makes one per role).
    Job.objects.create(
        kind=Job.Kind.CONTACT_IMPORT, description="Bad input", user=user, state=Job.State.FAILED
    )
    client = module_client
    client.cookies.clear()
    client.force_login(user)
    return {"client": client, "user": user, "cases": {}}


def case_for(world, name) -> Case:
    cases = world["cases"]
    if name not in cases:
        view_class = POST_VIEWS[name]
        case = build_case(world["client"], name, view_class, world["user"])
        # Every example is rolled back: each starts from these counts.
        case.before = row_counts()
        cases[name] = case
    return cases[name]


class Renderer:
    """Skip the template of a page (not of a redirect) unless asked to render."""

    render = True
    original = SimpleTemplateResponse.rendered_content

    @classmethod
    def rendered_content(cls, response):
        if cls.render:
            return cls.original.fget(response)
        return ""


@pytest.fixture
def sometimes_rendered(monkeypatch):
    monkeypatch.setattr(
        SimpleTemplateResponse, "rendered_content", property(Renderer.rendered_content)
    )
    Renderer.render = True
    yield Renderer
    Renderer.render = True


def post(client, case: Case, data: dict):
    if case.multipart or any(
        isinstance(v, SimpleUploadedFile) for values in data.values() for v in values
    ):
        return client.post(case.url, data)
    return client.post(
        case.url,
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def outcome(response) -> tuple[bool, list[str]]:
    """(success, messages): success is a redirect without an error message."""
    texts = [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
    errors = [text for level, text in texts if level >= messages.ERROR]
    return response.status_code == 302 and not errors, [text for _level, text in texts]


def short(data: dict) -> str:
    """``data`` for a failure message, long values cut."""

    def cut(value):
        text = repr(value)
        return text if len(text) <= 80 else f"{text[:60]}…({len(text)} chars)"

    return (
        "{" + ", ".join(f"{k!r}: [{', '.join(cut(v) for v in vs)}]" for k, vs in data.items()) + "}"
    )


def check_example(world, case: Case, data: dict, counter: list[int], renderer) -> None:
    client = world["client"]
    counter[0] += 1
    renderer.render = counter[0] % RENDER_EVERY == 1
    before = case.before
    with transaction.atomic():
        response = post(client, case, data)
        assert response.status_code < 500, f"{case.name}: {response.status_code} for {short(data)}"
        success, texts = outcome(response)
        after = row_counts()
        if success:
            problems = invalid_rows(before, after, case)
            assert not problems, f"{case.name}: invalid write for {short(data)}: {problems}"
        else:
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not changed, (
                f"{case.name}: partial write ({response.status_code}, {texts}) "
                f"for {short(data)}: {changed}"
            )
        transaction.set_rollback(True)
    client.cookies.pop("messages", None)


# --- Tests -------------------------------------------------------------------------------


def test_every_post_view_is_covered_or_excluded_with_a_reason():
    assert len(POST_VIEWS) >= 100
    stale = sorted(set(EXCLUDED) - set(POST_VIEWS))
    assert not stale, f"EXCLUDED names that are not POST views: {stale}"
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert set(COVERED) | set(EXCLUDED) == set(POST_VIEWS)


def examples_wanted(config, case: Case) -> int:
    """EXAMPLES when the run asked for the marker (``-m bad_input``), else QUICK_EXAMPLES;
    a view without any input does the same thing for every example: FIELDLESS_EXAMPLES."""
    if "BAD_INPUT_EXAMPLES" in os.environ:
        wanted = int(os.environ["BAD_INPUT_EXAMPLES"])
    elif re.search(r"(?<!not )\bbad_input\b", config.getoption("markexpr") or ""):
        wanted = EXAMPLES
    else:
        wanted = QUICK_EXAMPLES
    return wanted if case.has_input else min(wanted, FIELDLESS_EXAMPLES)


@pytest.mark.bad_input
@pytest.mark.parametrize("name", COVERED)
def test_generated_input_never_gives_a_500_or_a_partial_write(
    name, world, sometimes_rendered, request
):
    case = case_for(world, name)
    examples = examples_wanted(request.config, case)
    counter = [0]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no slow "explain" phase
    )
    @given(data=case.payloads())
    def run(data):
        check_example(world, case, data, counter, sometimes_rendered)

    run()
    assert counter[0] >= examples


@pytest.mark.bad_input
@pytest.mark.parametrize("where", ["value", "key"])
def test_a_nul_character_is_refused_with_400_by_every_post_view(where, world):
    """A form post (urlencoded, what a browser sends) with NUL in a value or a key: 400."""
    client = world["client"]
    problems = []
    for name in COVERED:
        case = case_for(world, name)
        data = dict(case.baseline)
        if where == "value":
            data.update(dict.fromkeys(case.fields or ["description"], ["bad\x00value"]))
        else:
            data["bad\x00key"] = ["value"]
        with transaction.atomic():
            response = client.post(
                case.url,
                urlencode(data, doseq=True),
                content_type="application/x-www-form-urlencoded",
            )
            transaction.set_rollback(True)
        if response.status_code != 400:
            problems.append(f"{name}: {response.status_code}")
    assert not problems, problems


@pytest.mark.bad_input
def test_a_nul_character_in_a_multipart_post_is_refused_with_400(world):
    """The middleware checks the fields of a multipart post too (not the contents of an
    uploaded file, which may hold NUL): 400 and nothing written."""
    client = world["client"]
    problems = []
    for name in COVERED:
        case = case_for(world, name)
        data = dict(case.baseline)
        data.update(dict.fromkeys(case.fields or ["description"], ["bad\x00value"]))
        with transaction.atomic():
            response = client.post(case.url, data)  # multipart/form-data
            success, texts = outcome(response)
            changed = {k: v for k, v in row_counts().items() if v != case.before[k]}
            transaction.set_rollback(True)
        client.cookies.pop("messages", None)
        if response.status_code != 400 or changed:
            problems.append(f"{name}: {response.status_code} {texts} {changed}")
    assert not problems, problems


# --- What the generated data found, as fixed examples -------------------------------------


def post_form(world, name, **values):
    """Post the page's form with ``values`` typed over what it shows; the response and
    the row counts that changed."""
    case = case_for(world, name)
    data = {**case.baseline, **{k: v if isinstance(v, list) else [v] for k, v in values.items()}}
    response = post(world["client"], case, data)
    changed = {k: (case.before[k], v) for k, v in row_counts().items() if v != case.before[k]}
    return response, changed


def field_errors(response, name) -> list[str]:
    return response.context["form"].errors.get(name, [])


def test_an_edit_refused_by_the_model_shows_the_form_again_with_the_stored_record(world):
    """A code with a slash passes the form field and fails the model's validator: the
    page linked the record under the refused code (NoReverseMatch, a 500)."""
    response, changed = post_form(world, "salespeople:team_edit", code="2026/02/28")
    assert response.status_code == 200
    assert field_errors(response, "code")
    assert changed == {}
    assert response.context["object"].code != "2026/02/28"


@pytest.mark.parametrize(
    ("name", "field"),
    [("contacts:contact_create", "industry_groups"), ("salespeople:team_create", "members")],
)
def test_a_key_beyond_the_integer_range_in_a_multiple_choice_is_a_field_error(world, name, field):
    """Django looked the keys up with IN (…): the driver refused 99999999999999999999."""
    response, changed = post_form(world, name, **{field: ["1", "99999999999999999999"]})
    assert response.status_code == 200
    assert field_errors(response, field)
    assert changed == {}


def test_a_step_no_held_by_a_step_not_on_the_page_is_a_field_error(world):
    """With INITIAL_FORMS 0 the activity's steps are posted as new ones: their numbers
    broke the unique constraint (IntegrityError, a 500)."""
    response, changed = post_form(world, "activities:activity_edit", **{"steps-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    errors = [form.errors.get("step_no") for form in response.context["formset"].forms]
    assert any(errors), errors
    assert changed == {}


def test_a_posted_total_forms_of_thousands_builds_at_most_a_hundred_step_forms(world):
    response, changed = post_form(
        world, "activities:activity_edit", **{"steps-TOTAL_FORMS": "5000"}
    )
    assert response.status_code == 200
    assert len(response.context["formset"].forms) <= 100
    assert response.context["formset"].non_form_errors()
    assert changed == {}


def test_assigning_an_activity_from_the_last_day_of_the_calendar_is_a_form_error(world):
    """The steps' date formulas went past 31-12-9999 (OverflowError, a 500)."""
    from activities.models import Activity
    from salespeople.models import Salesperson

    activity = Activity.objects.filter(steps__date_formula__gt="").order_by("code").first()
    salesperson = Salesperson.objects.filter(blocked=False).order_by("code").first()
    response, changed = post_form(
        world,
        "activities:campaign_assign_activity",
        activity=str(activity.pk),
        salesperson=str(salesperson.pk),
        team="",
        start_date="9999-12-31",
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": [response.context["form"].non_field_errors()[0]]
    }
    assert "gives no date" in response.context["form"].non_field_errors()[0]
    assert changed == {}


@pytest.mark.parametrize(
    ("formula", "start"),
    [
        ("9999Y", datetime.date(2026, 1, 1)),
        ("1D", datetime.date.max),
        ("-1D", datetime.date.min),
        ("D31", datetime.date(9999, 12, 31)),
        ("CY+1Y", datetime.date(9999, 6, 1)),
    ],
)
def test_a_date_formula_past_the_calendar_is_a_validation_error(formula, start):
    from core.date_formulas import apply_formula

    with pytest.raises(ValidationError):
        apply_formula(formula, start)


def test_the_week_of_my_tasks_at_the_edge_of_the_calendar_shows_this_week(world):
    """The page links the week before and after: at 9999-12-31 there is none (a 500)."""
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="sales"))
    for week in ("9999-12-31", "0001-01-01"):
        response = client.get(reverse("activities:my_tasks"), {"view": "week", "week": week})
        assert response.status_code == 200
        assert response.context["monday"].year not in (1, 9999)


@pytest.mark.parametrize(
    "name", ["segments:segment_create", "campaigns:campaign_create", "contacts:contact_create"]
)
def test_a_typed_no_with_a_slash_is_a_field_error(world, name):
    """The No. is part of the card's address: "/" was saved and the redirect to the
    card could not be built (NoReverseMatch, a 500)."""
    response, changed = post_form(world, name, no="/")
    assert response.status_code == 200
    assert field_errors(response, "no")
    assert changed == {}
