"""Services own their rules (docs/services.md).

Every public service (a function of a services module whose arguments are all
keyword-only, the convention of docs/services.md) is called with generated arguments:
stored records of the demo data, stored records with generated values in a few fields,
new records made of generated values, records of the wrong kind and values that are no
record at all, numbers such as NaN, infinity, -5 and 10^20, impossible dates, texts of
10,000 characters or with NUL, the demo logins of every role and None. For every call:

- it returns, or refuses with ``ValidationError`` or ``PermissionDenied``: no other
  exception (no ``IntegrityError``, ``TypeError``, ``decimal.InvalidOperation`` …);
- when it refuses, nothing changed: every table of the project's apps holds exactly the
  rows it held before.

A service added to a services module without a strategy for one of its arguments fails
``test_every_service_argument_has_a_strategy``. ``pytest -m bad_input`` runs
``EXAMPLES`` calls per service, the normal suite ``QUICK_EXAMPLES``. Every call runs in
a savepoint that is rolled back, so each starts from the demo data.
"""

import datetime
import importlib
import inspect
import os
import pkgutil
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from activities.models import Activity, ActivityStep, Task
from campaigns.models import Campaign, CampaignEntry, CampaignStatus, InteractionLogEntry
from contacts.models import Contact, Customer, CustomerDiscountGroup, CustomerPriceGroup
from core import roles
from core.models import NumberSeries, SavedView
from opportunities.models import Opportunity, SalesCycle, SalesCycleStage
from pricing.models import Item, ItemUnitOfMeasure, SalesLineDiscount, SalesPrice
from quotes.models import SalesQuote, SalesQuoteLine
from salespeople.models import Salesperson, Team
from segments.models import LoggedSegment, SavedSegmentCriteria, Segment, SegmentLine

EXAMPLES = 200
QUICK_EXAMPLES = 10
PROJECT_APPS = set(roles.BUSINESS_APPS)
# The modules (or packages: every module in them) that hold services.
SERVICE_MODULES = [
    "core.services",
    "core.remembered_lists",
    "contacts.services",
    "contacts.importing",
    "campaigns.services",
    "segments.services",
    "segments.segment_logging",
    "pricing.services",
    "quotes.services",
    "activities.services",
    "opportunities.services",
]


def _modules(name: str) -> list:
    module = importlib.import_module(name)
    inside = pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{name}.")
    return [module, *(importlib.import_module(info.name) for info in inside)]


def public_services() -> dict[str, object]:
    """``{"module.name": function}`` of every function whose arguments are keyword-only."""
    found = {}
    for module in (module for name in SERVICE_MODULES for module in _modules(name)):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = inspect.signature(function).parameters.values()
            if parameters and all(p.kind == p.KEYWORD_ONLY for p in parameters):
                found[f"{module.__name__}.{name}"] = function
    return found


SERVICES = public_services()


# --- Values ------------------------------------------------------------------------------

TEXT = st.one_of(
    st.text(max_size=30).filter(lambda t: "\x00" not in t),
    st.sampled_from(["", " ", "x" * 10_000, "bad\x00text", "CP0001", "ZZZ", "\U0001f600"]),
)
NUMBER = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.sampled_from(
        [
            Decimal("-5"),
            Decimal("0"),
            Decimal("1E+20"),
            Decimal("1E-10"),
            Decimal("12.3456789"),
            Decimal("NaN"),
            Decimal("Infinity"),
            "12.50",
            "abc",
            "",
            None,
            -1,
            10**30,
            1.5,
            True,
        ]
    ),
    st.integers(min_value=-(10**6), max_value=10**6).map(Decimal),
)
INTEGER = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([None, "12", "x", 1.5]),
)
DATE = st.one_of(
    st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)),
    st.sampled_from([None, "2026-02-30", "2026-12-01", "yesterday", 20261201]),
)
BOOLEAN = st.one_of(st.booleans(), st.sampled_from([None, "yes", 1, 0]))
WRONG = st.sampled_from([None, "CP0001", 0, -1, 3.5, [], {}, b"x"])


def field_value(field):
    """Generated values for a model field (good ones and bad ones)."""
    if field.choices:
        values = [value for value, _label in field.flatchoices]
        return st.one_of(st.sampled_from(values), TEXT)
    if isinstance(field, models.BooleanField):
        return BOOLEAN
    if isinstance(field, models.DecimalField | models.FloatField):
        return NUMBER
    if isinstance(field, models.IntegerField):
        return INTEGER
    if isinstance(field, models.DateTimeField):
        return st.one_of(
            st.datetimes(datetime.datetime(2020, 1, 1), datetime.datetime(2030, 1, 1)).map(
                lambda moment: moment.replace(tzinfo=datetime.UTC)
            ),
            st.sampled_from([None, "x"]),
        )
    if isinstance(field, models.DateField):
        return DATE
    if isinstance(field, models.JSONField):
        return st.sampled_from([{}, [], None, {"a": 1}, "x"])
    if isinstance(field, models.CharField | models.TextField):
        if field.max_length:
            return st.one_of(TEXT, st.just("Y" * (field.max_length + 1)))
        return TEXT
    return st.none()


def _keys(model) -> list[int]:
    return list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:40])


def changed_fields(model):
    """``[(field, value)]``: one to three fields of ``model`` with generated values;
    a foreign key gets an existing key, None or one that does not exist."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not isinstance(f, models.BinaryField)
    ]

    def value_for(field):
        if field.is_relation:
            keys = _keys(field.related_model)
            return st.one_of(st.sampled_from([*keys, None, 999_999_999] if keys else [None]))
        return field_value(field)

    return st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True).flatmap(
        lambda chosen: st.tuples(*(st.tuples(st.just(f), value_for(f)) for f in chosen))
    )


def _apply(record, changes):
    for field, value in changes:
        setattr(record, field.attname, value)
    return record


def records(model, *, new: bool = True):
    """Stored records of ``model``, stored ones with changed fields, new ones made of
    generated values (``new``), and values of the wrong kind. Built at the first draw
    (the keys come from the database, open then)."""
    return st.deferred(lambda: _records(model, new=new))


def _records(model, *, new: bool):
    keys = _keys(model)
    choices = []
    if keys:
        stored = st.sampled_from(keys).map(lambda pk: model._default_manager.get(pk=pk))
        choices += [
            stored,
            stored,
            st.tuples(stored, changed_fields(model)).map(lambda pair: _apply(*pair)),
        ]
    if new:
        choices.append(changed_fields(model).map(lambda changes: _apply(model(), changes)))
    choices.append(WRONG)
    return st.one_of(*choices)


def record_lists(model):
    return st.one_of(st.lists(records(model, new=False), max_size=3), WRONG)


def selections():
    """Selections of a list (query sets): of contacts, customers, none, another model's,
    or no query set at all."""
    return st.sampled_from(
        [
            Contact.objects.all(),
            Contact.objects.filter(type="person"),
            Contact.objects.none(),
            Customer.objects.all(),
            Salesperson.objects.all(),
            None,
            [],
            "x",
        ]
    )


def users():
    names = ["manager", "staff", "sales", "viewer", "demo"]
    model = get_user_model()
    return st.one_of(
        st.none(), st.sampled_from(names).map(lambda name: model.objects.get(username=name))
    )


def contact_files():
    """Contact CSV files: made by the export, changed a little, or not CSV at all."""
    header = "no,type,name,company_no,email,language,industry_groups\n"
    rows = st.lists(
        st.tuples(
            st.sampled_from(["", "CT900001", "CT000001", "x" * 30]),
            st.sampled_from(["company", "person", "robot"]),
            TEXT.filter(lambda t: "\n" not in t and "," not in t and '"' not in t),
            st.sampled_from(["", "CT000001", "NOPE"]),
            st.sampled_from(["", "a@example.com", "nope"]),
            st.sampled_from(["en", "nl", "xx"]),
            st.sampled_from(["", "RETAIL", "NOPE|X"]),
        ).map(",".join),
        max_size=4,
    )
    return st.one_of(
        rows.map(lambda lines: (header + "\n".join(lines)).encode()),
        st.binary(max_size=50),
        st.sampled_from([b"", b"\xff\xfe", "text, not bytes", None]),
    )


def upsert_rows():
    """Rows of a bulk upsert (docs/api.md): the API's fields with good and bad values."""
    row = st.fixed_dictionaries(
        {},
        optional={
            "no": st.sampled_from(["", "CT000001", "CT900001", "x" * 30, "a/b", None, 5]),
            "type": st.sampled_from(["company", "person", "robot", None]),
            "name": st.one_of(TEXT, st.none(), st.just(["x"])),
            "company_no": st.sampled_from(["", "CT000001", "CT000002", "NOPE", None]),
            "email": st.sampled_from(["", "a@example.com", "nope", "A@EXAMPLE.COM"]),
            "external_id": st.sampled_from(["", "E1", "E2", "x" * 101, "bad\x00"]),
            "salesperson": st.sampled_from(["", "JO", "NOPE", None, 1]),
            "language": st.sampled_from(["en", "nl", "xx"]),
            "exclude_from_segments": BOOLEAN,
            "city": TEXT,
        },
    )
    return st.one_of(st.lists(st.one_of(row, WRONG), max_size=4), WRONG)


def filters():
    codes = ["RETAIL", "PURCHASE", "NEWS", "CUST", "PROS", "NOPE"]
    return st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["company", "person", "robot", ""]),
                "name": st.sampled_from(["A*", "*e*", "''", "A..M", "<>x", "\x00", "x" * 500]),
                "city": TEXT,
                "language": st.sampled_from(["en", "nl", "xx"]),
                "industry_groups": st.lists(st.sampled_from(codes), max_size=2),
                "mailing_groups": st.lists(st.sampled_from(codes), max_size=2),
                "salesperson": st.sampled_from(["JO", "NOPE", ""]),
                "logged_segment": st.sampled_from([1, 2, "x", None, 10**20]),
                "contacts": st.sampled_from([["CT000001"], [], ["x" * 30], [5], "CT000001"]),
                "contact_list": st.sampled_from(
                    ["type=person", "salesperson=999999", "", "q=jan", 5, "x\x00", "x" * 5000]
                ),
            },
        ),
        st.sampled_from([None, "type=person", {"nope": 1}, {"type": 5}, []]),
    )


# Strategies by argument name; ``(module, name)`` when the same name means another
# record in another module.
def strategies() -> dict:
    return {
        "user": users(),
        "instance": st.one_of(
            *(
                records(model)
                for model in (Campaign, Contact, Item, NumberSeries, Salesperson, Team)
            ),
            records(CampaignStatus),
        ),
        "campaign": records(Campaign),
        "contact": records(Contact),
        "customer": records(Customer),
        "entry": records(CampaignEntry),
        "interaction": records(InteractionLogEntry),
        "segment": records(Segment),
        ("segments.services", "line"): records(SegmentLine),
        ("quotes.services", "line"): records(SalesQuoteLine),
        # add_quote_lines: new, stored and changed lines, other records and no list at all.
        ("quotes.services", "lines"): st.one_of(
            st.lists(records(SalesQuoteLine), max_size=4),
            WRONG,
        ),
        "criteria": records(SavedSegmentCriteria),
        "logged_segment": records(LoggedSegment, new=False),
        "logged": records(LoggedSegment, new=False),
        "rule": st.one_of(records(SalesPrice), records(SalesLineDiscount)),
        "item": records(Item),
        "item_unit": records(ItemUnitOfMeasure),
        "quote": records(SalesQuote),
        "activity": records(Activity),
        "salesperson": records(Salesperson),
        "completed_by": records(Salesperson, new=False),
        "team": records(Team, new=False),
        "task": records(Task),
        "opportunity": records(Opportunity),
        "stage": records(SalesCycleStage),
        "sales_cycle": records(SalesCycle),
        "price_group": records(CustomerPriceGroup),
        "discount_group": records(CustomerDiscountGroup),
        "contacts": record_lists(Contact),
        # Bulk actions take a selection: a query set (docs/contacts.md, Bulk actions).
        ("contacts.services", "contacts"): st.one_of(selections(), record_lists(Contact)),
        "records": selections(),
        "steps": record_lists(ActivityStep),
        "delete": record_lists(ActivityStep),
        "version": st.sampled_from([None, "", "0" * 32, "x" * 40, "bad\x00"]),
        "fields": st.sampled_from([None, [], ["description"], ["nope"], "description", [1]]),
        "m2m": st.sampled_from(
            [None, {}, {"industry_groups": []}, {"mailing_groups": "x"}, {"nope": []}, []]
        ),
        "lines": st.sampled_from([(), ("steps",), ("nope",), None, "steps"]),
        "filters": filters(),
        # Saved views and remembered lists (core.remembered_lists, docs/lists.md).
        "list_key": st.sampled_from(
            ["contacts:contact_list", "campaigns:campaign_list", "contacts:contact_card", "nope"]
            + ["", None, 5, "x" * 200]
        ),
        "query": st.one_of(
            TEXT,
            st.sampled_from(
                ["type=person&sort=-name", "industry_group=999999", "nope=1", "sort=x;y"]
                + ["q=" + "x" * 300, "cursor=abc", None, {}, ["q"]]
            ),
        ),
        "columns": st.sampled_from(
            [None, [], ["no", "name"], ["city"], ["nope"], "name", [1], {"no": 1}]
        ),
        "view": st.one_of(records(SavedView), WRONG),
        "data": contact_files(),
        "progress": st.sampled_from([None, lambda *args, **kwargs: None]),
        "code": TEXT,
        "description": TEXT,
        "name": TEXT,
        "no": TEXT,
        "type": st.one_of(st.sampled_from(["", "meeting", "phone_call"]), TEXT),
        "priority": st.one_of(st.sampled_from(["low", "normal", "high"]), TEXT),
        "status": st.one_of(st.sampled_from(["not_started", "completed"]), TEXT),
        "direction": st.sampled_from(["next", "previous", "sideways", None, 1]),
        "date": DATE,
        "start_date": DATE,
        "date_from": DATE,
        "date_to": DATE,
        "creation_date": DATE,
        "estimated_value": NUMBER,
        "chances_of_success_percent": NUMBER,
        "override_price": NUMBER,
        "contact_count": INTEGER,
        "rows": INTEGER,
        # Bulk upsert (contacts.importing.upsert): lists of rows with good and bad values.
        ("contacts.importing.upsert", "rows"): upsert_rows(),
        ("contacts.importing.upsert", "match"): st.one_of(
            st.sampled_from(["no", "email", "external_id", "city", ""]), WRONG
        ),
        "batch_size": INTEGER,
        **dict.fromkeys(
            [
                "allow_existing",
                "expand_companies",
                "allow_related_companies",
                "ignore_exclusion",
                "entire_companies",
                "keep_matching",
                "update_lines",
                "keep_campaign_flags",
                "canceled",
                "value",
                "send_attachments",
                "create_follow_up",
                "retry",
                "won",
                "activate_first_stage",
            ],
            BOOLEAN,
        ),
    }


def strategy_for(table, module, name):
    """The strategy of argument ``name``; ``(package, name)`` where one name means
    another record in another app (``line``)."""
    for (package, key), strategy in ((k, v) for k, v in table.items() if isinstance(k, tuple)):
        if key == name and (module == package or module.startswith(f"{package}.")):
            return strategy
    return table.get(name)


# --- Snapshots ---------------------------------------------------------------------------


def _tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in PROJECT_APPS
        }
    )


def snapshot() -> dict[str, int | str]:
    """A fingerprint of every row of every table of the project's apps.

    On PostgreSQL the database makes it, in one query: each table's rows as text, sorted,
    hashed (fetching every row of every table into Python for each example was most of
    the time of these tests on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return _snapshot_in_postgresql()
    prints = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 - our names
            rows = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in cursor.fetchall()
            ]
            prints[table] = hash((len(rows), tuple(rows)))
    return prints


def _snapshot_in_postgresql() -> dict[str, str]:
    tables = _tables()
    # Per table: the row count and the md5 of its rows as text, sorted. The alias is no
    # column name of ours, so ``snapshot_row::text`` is the whole row.
    rows = "string_agg(snapshot_row::text, E'\\n' ORDER BY snapshot_row::text)"
    parts = [
        f"(SELECT count(*) || ':' || md5(coalesce({rows}, '')) FROM \"{table}\" snapshot_row)"  # noqa: S608 - our table names
        for table in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


# --- Tests -------------------------------------------------------------------------------


def examples_wanted(config) -> int:
    if "BAD_INPUT_EXAMPLES" in os.environ:
        return int(os.environ["BAD_INPUT_EXAMPLES"])
    if re.search(r"(?<!not )\bbad_input\b", config.getoption("markexpr") or ""):
        return EXAMPLES
    return QUICK_EXAMPLES


def test_every_service_argument_has_a_strategy():
    table = strategies()
    missing = [
        f"{qualified}({parameter})"
        for qualified, function in SERVICES.items()
        for parameter in inspect.signature(function).parameters
        if strategy_for(table, qualified.rsplit(".", 1)[0], parameter) is None
    ]
    assert not missing, f"give these arguments a strategy: {missing}"
    assert len(SERVICES) >= 50


@pytest.fixture
def world(demo_data, db):
    return strategies()


@pytest.mark.bad_input
@pytest.mark.parametrize("qualified", sorted(SERVICES))
def test_a_service_refuses_bad_arguments_cleanly(qualified, world, request):
    function = SERVICES[qualified]
    module = qualified.rsplit(".", 1)[0]
    parameters = list(inspect.signature(function).parameters)
    counter = [0]

    @settings(
        max_examples=examples_wanted(request.config),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(data=st.data())
    def run(data):
        with transaction.atomic():
            arguments = {
                name: data.draw(strategy_for(world, module, name), label=name)
                for name in parameters
            }
            before = snapshot()
            try:
                with transaction.atomic():
                    function(**arguments)
            except (ValidationError, PermissionDenied):
                assert snapshot() == before, f"{qualified} refused but changed the data"
            finally:
                transaction.set_rollback(True)
        counter[0] += 1

    run()
    assert counter[0] >= 1
