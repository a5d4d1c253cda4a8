"""The permission matrix (docs/setup.md, Users and roles): every URL pattern of the project, for
every role and for an anonymous visitor, with GET and with an empty POST.

- anonymous: a redirect to the login page with ``next``;
- a role without the permission the page needs: 403;
- a role with it: never a 5xx (GET 200 or a redirect; an empty POST gives a form
  with errors, a redirect with a message, 400, 403, 404 or 405).

``MATRIX`` names, for every URL pattern, the permission it needs and how to fill
its URL kwargs from the demo data; a URL pattern added without an entry fails
``test_every_url_pattern_is_in_the_matrix``. Every (URL name, role) pair is a test
of its own (``test_permission_matrix[campaigns:campaign_edit-staff]``), so one failure
hides no other. The demo data (``demo_data``, tests/demo_database.py: once per test
process) and a logged-in session per role (once for the module) are shared, and every
request runs in a savepoint that is rolled back, so an empty POST that deletes or
changes something does not change what the next one sees.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from activities.models import Activity, Task
from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignStatus,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from contacts.models import (
    BusinessRelation,
    Contact,
    Customer,
    CustomerDiscountGroup,
    CustomerPriceGroup,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from core.models import Job, NumberSeries, SavedView
from opportunities.models import Opportunity, SalesCycle, SalesCycleStage
from pricing.models import (
    Item,
    ItemDiscountGroup,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    UnitOfMeasure,
)
from quotes.models import SalesQuote, SalesQuoteLine
from salespeople.models import Salesperson, Team
from segments.models import LoggedSegment, SavedSegmentCriteria, Segment, SegmentLine

# The demo logins, one per role (``manage.py demo``); "sales" is salesperson JO.
ROLE_USERS = ["manager", "staff", "sales", "viewer"]
ANONYMOUS = "anonymous"
SALESPERSON_CODE = "JO"

# Pages tested elsewhere (tests/core/test_pages.py) or not ours (the Django admin).
# Open to everybody or tested elsewhere (tests/core/test_pages.py).
SKIPPED_NAMES = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "set_language",
    "favicon",
    # For load balancers and Prometheus, without a login (tests/core/test_health.py,
    # tests/core/test_metrics.py).
    "core:healthz",
    "core:readyz",
    "core:metrics",
}
# Reached by recipients of e-mail and by e-mail services, without a login: a signed
# token or the webhook secret stands in for it (tests/mailings/test_consent.py).
SKIPPED_PREFIXES = ("admin/", "mail/")
# The API answers 401/403 as problem details, not a login redirect: its own matrix covers
# every route of it for every role (tests/api/test_api_permission_matrix.py).
SKIPPED_PREFIXES += ("api/v1/",)

Kwargs = Callable[[object], dict]


# --- URL kwargs from the demo data --------------------------------------------------------


def by_key(model, **filters) -> Kwargs:
    """``{"key": <url_key of the first matching record>}``."""

    def kwargs(user):
        instance = model.objects.filter(**filters).order_by("pk").first()
        assert instance is not None, f"no {model.__name__} {filters} in the demo data"
        return {"key": str(getattr(instance, model.url_key))}

    return kwargs


def own_job(user):
    """The job of the requesting user (a user sees only their own jobs)."""
    owner = user if user.is_authenticated else get_user_model().objects.get(username="manager")
    return {"key": str(Job.objects.filter(user=owner).order_by("pk").first().pk)}


def segment_line(user):
    line = SegmentLine.objects.select_related("segment").order_by("pk").first()
    return {"key": line.segment.no, "line_id": line.pk}


def quote_line(user):
    line = SalesQuoteLine.objects.select_related("quote").order_by("pk").first()
    return {"key": line.quote.no, "line_id": line.pk}


def template_language(user):
    version = InteractionTemplateLanguage.objects.select_related("template").order_by("pk").first()
    return {"key": version.template.code, "language": version.language}


def cycle_stage(user):
    stage = SalesCycleStage.objects.select_related("sales_cycle").order_by("pk").first()
    return {"key": stage.sales_cycle.code, "stage": stage.stage}


def own_saved_view(user):
    """A saved view of the contact list owned by the requesting user (docs/lists.md)."""
    owner = user if user.is_authenticated else get_user_model().objects.get(username="manager")
    view, _created = SavedView.objects.get_or_create(
        user=owner, list_key="contacts:contact_list", name="Matrix", defaults={"query": "q=a"}
    )
    return {"pk": view.pk}


def own_api_token(user):
    """An API token of the requesting user (a user sees only their own, docs/api.md)."""
    from api.services import create_api_token

    owner = user if user.is_authenticated else get_user_model().objects.get(username="manager")
    token = owner.api_tokens.order_by("pk").first()
    if token is None:
        token, _key = create_api_token(user=owner, name="Matrix")
    return {"pk": token.pk}


# The salesperson's own records: the matrix tests the permission; scoping is tested below.
OWN_TASK = by_key(Task, salesperson__code=SALESPERSON_CODE, closed=False)
OWN_OPPORTUNITY = by_key(Opportunity, salesperson__code=SALESPERSON_CODE, closed=False)
CAMPAIGN = by_key(Campaign)
SEGMENT = by_key(Segment, lines__isnull=False)
CONTACT = by_key(Contact, type="company", customer__isnull=True)
LOGGED_SEGMENT = by_key(LoggedSegment)
QUOTE = by_key(SalesQuote)


# --- The matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    permission: str | None  # None: any logged-in user
    kwargs: Kwargs | None = None


STANDARD_ACTIONS = {
    "list": "view",
    "create": "add",
    "card": "view",
    "edit": "change",
    "delete": "delete",
}


def record(namespace, model, key: Kwargs, actions=("list", "create", "card", "edit", "delete")):
    """The standard pages of ``model`` (``core.urls_helpers.record_urls``)."""
    meta = model._meta
    return {
        f"{namespace}:{meta.model_name}_{action}": Page(
            f"{meta.app_label}.{STANDARD_ACTIONS[action]}_{meta.model_name}",
            None if action in ("list", "create") else key,
        )
        for action in actions
    }


def code_table(namespace, model):
    return record(namespace, model, by_key(model))


MATRIX: dict[str, Page] = {
    "home": Page(None),
    # core
    # The search box in the top bar: any logged-in user; each group needs its model's
    # view permission (tests/core/test_global_search.py).
    "core:search": Page(None),
    "core:auditentry_list": Page("core.view_auditentry"),
    "core:job_list": Page("core.view_job"),
    "core:job_card": Page("core.view_job", own_job),
    "core:job_progress": Page("core.view_job", own_job),
    "core:job_requeue": Page("core.change_job", own_job),
    **record("core", NumberSeries, by_key(NumberSeries)),
    # Saved views and the column chooser (docs/lists.md): a user's own, of a list they see.
    "core:savedview_create": Page(
        "contacts.view_contact", lambda user: {"list_key": "contacts:contact_list"}
    ),
    "core:savedview_open": Page(None, own_saved_view),
    "core:savedview_rename": Page(None, own_saved_view),
    "core:savedview_delete": Page(None, own_saved_view),
    "core:list_columns": Page(None),
    # The user's own API tokens (docs/api.md): any logged-in user.
    "apitokens:token_list": Page(None),
    "apitokens:token_revoke": Page(None, own_api_token),
    "apitokens:api_docs": Page(None),
    # salespeople
    **record("salespeople", Salesperson, by_key(Salesperson)),
    **record("salespeople", Team, by_key(Team)),
    # contacts
    "contacts:contact_import": Page("contacts.add_contact"),
    **record("contacts", Contact, CONTACT),
    "contacts:contact_create_customer": Page("contacts.add_customer", CONTACT),
    **record("contacts", Customer, by_key(Customer), ("list", "card", "edit", "delete")),
    **code_table("contacts", IndustryGroup),
    **code_table("contacts", JobResponsibility),
    **code_table("contacts", MailingGroup),
    **code_table("contacts", BusinessRelation),
    **code_table("contacts", CustomerPriceGroup),
    **code_table("contacts", CustomerDiscountGroup),
    # campaigns
    **code_table("campaigns", CampaignStatus),
    **record("campaigns", Campaign, CAMPAIGN),
    "campaigns:campaign_statistics": Page("campaigns.view_campaign", CAMPAIGN),
    **record("campaigns", InteractionTemplate, by_key(InteractionTemplate)),
    # A template's language versions are part of it: its change permission.
    "campaigns:interactiontemplatelanguage_create": Page(
        "campaigns.change_interactiontemplate", by_key(InteractionTemplate)
    ),
    "campaigns:interactiontemplatelanguage_edit": Page(
        "campaigns.change_interactiontemplate", template_language
    ),
    "campaigns:interactiontemplatelanguage_delete": Page(
        "campaigns.change_interactiontemplate", template_language
    ),
    **record("campaigns", InteractionLogEntry, by_key(InteractionLogEntry), ("list", "card")),
    "campaigns:interactionlogentry_evaluation": Page(
        "campaigns.change_interactionlogentry", by_key(InteractionLogEntry)
    ),
    "campaigns:contact_log_interaction": Page("campaigns.add_interactionlogentry", CONTACT),
    "campaigns:campaignentry_delete_canceled": Page("campaigns.delete_campaign_entry"),
    "campaigns:campaignentry_list": Page("campaigns.view_campaignentry"),
    "campaigns:campaignentry_card": Page("campaigns.view_campaignentry", by_key(CampaignEntry)),
    "campaigns:campaignentry_delete": Page(
        "campaigns.delete_campaign_entry", by_key(CampaignEntry)
    ),
    "campaigns:campaignentry_cancel": Page(
        "campaigns.change_campaignentry", by_key(CampaignEntry, canceled=False)
    ),
    "campaigns:campaignentry_undo_cancel": Page(
        "campaigns.change_campaignentry", by_key(CampaignEntry, canceled=True)
    ),
    # segments
    **record("segments", Segment, SEGMENT),
    "segments:segment_add_contacts": Page("segments.change_segment", SEGMENT),
    "segments:segment_reduce": Page("segments.change_segment", SEGMENT),
    "segments:segment_criteria_preview": Page("segments.view_segment", SEGMENT),
    "segments:segment_refine": Page("segments.change_segment", SEGMENT),
    "segments:segment_go_back": Page("segments.change_segment", SEGMENT),
    "segments:segment_flags": Page("segments.change_segment", SEGMENT),
    "segments:segment_save_criteria": Page("segments.add_savedsegmentcriteria", SEGMENT),
    "segments:segment_reuse_criteria": Page("segments.change_segment", SEGMENT),
    "segments:segment_history": Page("segments.view_segment", SEGMENT),
    "segments:segment_log": Page("segments.log_segment", SEGMENT),
    "segments:segmentline_toggle_target": Page("segments.change_segment", segment_line),
    "segments:segmentline_edit": Page("segments.change_segment", segment_line),
    "segments:segmentline_delete": Page("segments.change_segment", segment_line),
    **record("segments", LoggedSegment, LOGGED_SEGMENT, ("list", "card")),
    "segments:loggedsegment_cancel": Page("segments.change_loggedsegment", LOGGED_SEGMENT),
    "segments:loggedsegment_letters": Page("segments.view_loggedsegment", LOGGED_SEGMENT),
    "segments:loggedsegment_reuse": Page("segments.add_segment", LOGGED_SEGMENT),
    **record(
        "segments",
        SavedSegmentCriteria,
        by_key(SavedSegmentCriteria),
        ("list", "card", "delete"),
    ),
    # pricing
    **record("pricing", Item, by_key(Item)),
    # A unit that is not a base unit: its quantity may change.
    **record("pricing", ItemUnitOfMeasure, by_key(ItemUnitOfMeasure, unit_of_measure__code="BOX")),
    **record("pricing", SalesPrice, by_key(SalesPrice)),
    **record("pricing", SalesLineDiscount, by_key(SalesLineDiscount)),
    "pricing:campaign_activate": Page("pricing.activate_campaign", CAMPAIGN),
    "pricing:campaign_deactivate": Page("pricing.activate_campaign", CAMPAIGN),
    "pricing:campaign_overlaps": Page("pricing.view_salesprice", CAMPAIGN),
    **code_table("pricing", UnitOfMeasure),
    **code_table("pricing", ItemDiscountGroup),
    # quotes
    **record("quotes", SalesQuote, QUOTE),
    "quotes:salesquote_recalculate": Page("quotes.change_salesquote", QUOTE),
    "quotes:salesquoteline_add": Page("quotes.change_salesquote", QUOTE),
    "quotes:salesquoteline_edit": Page("quotes.change_salesquote", quote_line),
    "quotes:salesquoteline_delete": Page("quotes.change_salesquote", quote_line),
    "quotes:salesquoteline_trace": Page("quotes.view_salesquote", quote_line),
    # activities
    "activities:my_tasks": Page("activities.view_task"),
    **record("activities", Task, OWN_TASK),
    "activities:task_complete": Page("activities.change_task", OWN_TASK),
    "activities:task_reopen": Page(
        "activities.change_task", by_key(Task, salesperson__code=SALESPERSON_CODE, closed=True)
    ),
    "activities:task_cancel": Page("activities.change_task", OWN_TASK),
    **record("activities", Activity, by_key(Activity)),
    "activities:campaign_assign_activity": Page("activities.assign_activity", CAMPAIGN),
    "activities:segment_assign_activity": Page("activities.assign_activity", SEGMENT),
    "activities:contact_assign_activity": Page("activities.assign_activity", CONTACT),
    # opportunities
    **record("opportunities", SalesCycle, by_key(SalesCycle)),
    "opportunities:salescyclestage_create": Page(
        "opportunities.add_salescyclestage", by_key(SalesCycle)
    ),
    "opportunities:salescyclestage_edit": Page("opportunities.change_salescyclestage", cycle_stage),
    "opportunities:salescyclestage_delete": Page(
        "opportunities.delete_salescyclestage", cycle_stage
    ),
    **record("opportunities", Opportunity, OWN_OPPORTUNITY),
    "opportunities:opportunity_next": Page("opportunities.change_opportunity", OWN_OPPORTUNITY),
    "opportunities:opportunity_previous": Page("opportunities.change_opportunity", OWN_OPPORTUNITY),
    "opportunities:opportunity_go_to_stage": Page(
        "opportunities.change_opportunity", OWN_OPPORTUNITY
    ),
    "opportunities:opportunity_close": Page("opportunities.change_opportunity", OWN_OPPORTUNITY),
    "opportunities:opportunity_assign_activity": Page(
        "activities.assign_activity", OWN_OPPORTUNITY
    ),
    # mailings: the preview before logging, the test e-mail, a contact's consent
    "mailings:segment_email_preview": Page("segments.view_segment", SEGMENT),
    "mailings:segment_send_test_email": Page("segments.log_segment", SEGMENT),
    "mailings:contact_record_opt_out": Page("contacts.change_contact", CONTACT),
    "mailings:contact_clear_opt_out": Page("contacts.change_contact", CONTACT),
    "mailings:contact_unblock_address": Page("contacts.change_contact", CONTACT),
    "mailings:retry_failed": Page("segments.log_segment", LOGGED_SEGMENT),
    "mailings:resend_uncertain": Page("segments.log_segment", LOGGED_SEGMENT),
    "mailings:mark_uncertain_sent": Page("segments.log_segment", LOGGED_SEGMENT),
}


def url_patterns(patterns=None, prefix="", namespace=""):
    """``(name, route, pattern)`` of every URL pattern, includes followed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else None, route, pattern


def matrix_patterns():
    return [row for row in url_patterns() if row[0] not in SKIPPED_NAMES]


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def users(demo_data, db):
    return {name: get_user_model().objects.get(pk=user.pk) for name, user in demo_data.items()}


@pytest.fixture(scope="module")
def session_keys(demo_data, django_db_blocker):
    """A logged-in session per role, made once for the module (in the demo data's
    transaction): a test's client only takes its cookie."""
    keys = {}
    with django_db_blocker.unblock():
        for name, user in demo_data.items():
            client = Client()
            client.force_login(user)
            keys[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def request(client, method, url):
    """One request in a savepoint that is rolled back; an exception is reported as a 500."""
    try:
        with transaction.atomic():
            response = getattr(client, method)(url)
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 - any exception is a 500 for the user
        return None, f"500 ({type(error).__name__}: {error})"
    return response, None


def is_login_redirect(response, url):
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"] == f"{login}?next={quote(url)}"


def allows(view_class, method):
    """Whether the view answers ``method`` (a function view is taken to answer all)."""
    if view_class is None:
        return True
    return method in view_class.http_method_names and hasattr(view_class, method)


GET_OK = {200, 302}
POST_OK = {200, 302, 400, 403, 404, 405}


def check(client, user, name, page, url, view_class):
    """The problems of one URL for one role (an empty list when all is as expected)."""
    problems = []
    for method in ("get", "post"):
        response, error = request(client, method, url)
        if error:
            problems.append(f"{method.upper()} {url} ({name}): {error}")
            continue
        status = response.status_code
        if user is None:
            ok = is_login_redirect(response, url)
            expected = "a redirect to the login page"
        elif page.permission and not user.has_perm(page.permission):
            ok = status == 403
            expected = f"403 (no {page.permission})"
        else:
            allowed = POST_OK if method == "post" else GET_OK
            if method == "get" and not allows(view_class, "get"):
                allowed = {405}
            ok = status in allowed and not (status == 302 and is_login_redirect(response, url))
            expected = f"one of {sorted(allowed)}"
        if not ok:
            where = response.get("Location", "")
            problems.append(
                f"{method.upper()} {url} ({name}): {status} {where}, expected {expected}"
            )
    return problems


# --- Tests --------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix():
    names = [name for name, _route, _pattern in matrix_patterns()]
    assert None not in names, "every URL pattern needs a name to be in the permission matrix"
    missing = sorted(set(names) - set(MATRIX))
    assert not missing, f"URL patterns without an entry in MATRIX: {missing}"
    stale = sorted(set(MATRIX) - set(names))
    assert not stale, f"MATRIX entries without a URL pattern: {stale}"
    assert len(names) == len(set(names)), "URL names must be unique"


def test_every_matrix_entry_fills_the_kwargs_of_its_pattern(users):
    for name, route, pattern in matrix_patterns():
        page = MATRIX[name]
        kwargs = page.kwargs(users["manager"]) if page.kwargs else {}
        assert set(kwargs) == set(pattern.pattern.converters), (name, route)
        reverse(name, kwargs=kwargs or None)


# Every URL pattern for every role, each its own test: one failure hides no other.
PATTERNS = {name: pattern for name, _route, pattern in matrix_patterns()}
CASES = [
    pytest.param(name, role, id=f"{name}-{role}")
    for name in sorted(PATTERNS, key=str)
    for role in [ANONYMOUS, *ROLE_USERS]
]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_permission_matrix(name, role, users, session_keys):
    if name not in MATRIX:
        pytest.fail(f"{name} has no entry in MATRIX")
    user = users.get(role)
    client = Client()
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_keys[role]
    page = MATRIX[name]
    kwargs = page.kwargs(user or users["manager"]) if page.kwargs else {}
    url = reverse(name, kwargs=kwargs or None)
    view_class = getattr(PATTERNS[name].callback, "view_class", None)
    problems = check(client, user, name, page, url, view_class)
    assert not problems, "\n".join(problems)


def test_the_roles_differ_as_intended(users):
    """A sanity check that the matrix really exercises 403s: the rules of core/roles.py."""
    manager, staff, sales, viewer = (users[name] for name in ROLE_USERS)
    assert manager.has_perm("pricing.activate_campaign")
    assert not staff.has_perm("pricing.activate_campaign")
    assert staff.has_perm("campaigns.change_campaign")
    assert not sales.has_perm("campaigns.change_campaign")
    assert sales.has_perm("activities.change_task")
    assert not sales.has_perm("activities.view_all_tasks")
    assert not viewer.has_perm("activities.change_task")


# Every page of a task or an opportunity that takes its key.
SCOPED_NAMES = sorted(
    name
    for name, _route, pattern in matrix_patterns()
    if name.startswith(("activities:task_", "opportunities:opportunity_"))
    and "key" in pattern.pattern.converters
)


def test_a_salesperson_cannot_reach_another_salespersons_tasks_or_opportunities(users):
    sales = users["sales"]
    client = client_for(sales)
    other_task = Task.objects.exclude(salesperson__code=SALESPERSON_CODE).filter(
        salesperson__isnull=False, team__isnull=True
    )
    other_task = other_task.order_by("pk").first()
    other_opportunity = (
        Opportunity.objects.exclude(salesperson__code=SALESPERSON_CODE).order_by("pk").first()
    )
    assert other_task is not None
    assert other_opportunity is not None
    assert not Task.objects.visible_to(sales).filter(pk=other_task.pk).exists()
    assert not Opportunity.objects.visible_to(sales).filter(pk=other_opportunity.pk).exists()
    assert len(SCOPED_NAMES) >= 10
    patterns = {name: pattern for name, _route, pattern in matrix_patterns()}
    problems = []
    for name in SCOPED_NAMES:
        record_ = other_task if name.startswith("activities:") else other_opportunity
        url = reverse(name, kwargs={"key": record_.no})
        view_class = getattr(patterns[name].callback, "view_class", None)
        for method in ("get", "post"):
            # 404 wherever the salesperson may use the page at all (403 for a page their
            # role may not use, e.g. delete; 405 for a method the page does not answer).
            if not sales.has_perm(MATRIX[name].permission):
                expected = 403
            elif not allows(view_class, method):
                expected = 405
            else:
                expected = 404
            response, error = request(client, method, url)
            status = error or response.status_code
            if status != expected:
                problems.append(f"{method.upper()} {url}: {status}, expected {expected}")
    assert sum(sales.has_perm(MATRIX[name].permission) for name in SCOPED_NAMES) >= 8
    assert not problems, "\n".join(problems)
    # … and the manager reaches the same records.
    manager = client_for(users["manager"])
    assert manager.get(other_task.get_absolute_url()).status_code == 200
    assert manager.get(other_opportunity.get_absolute_url()).status_code == 200


def test_a_user_cannot_reach_the_jobs_of_another_user(users):
    managers_job = Job.objects.filter(user=users["manager"]).get()
    for name in ("staff", "sales", "viewer"):
        client = client_for(users[name])
        for url_name in ("core:job_card", "core:job_progress"):
            url = reverse(url_name, kwargs={"key": managers_job.pk})
            assert client.get(url).status_code == 404, (name, url)
