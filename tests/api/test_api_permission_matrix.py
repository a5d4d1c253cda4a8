"""The permission matrix of the API (docs/api.md, docs/setup.md Users and roles): every
route under /api/v1/, every method, for every role and for a client without a token.

- no token: 401 (a problem document, ``WWW-Authenticate: Bearer``);
- a role without the permission the route needs for the method: 403;
- a role with it: never a 5xx; a method the route does not answer: 405.

The permissions are the pages' (core/roles.py); a route added without an entry in
``API_MATRIX`` fails ``test_every_api_route_is_in_the_matrix``.
"""

import pytest
from django.urls import URLPattern, get_resolver, reverse
from rest_framework.test import APIClient

from api import services
from core import roles
from tests.factories.accounts import UserFactory
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory, CustomerFactory
from tests.factories.quotes import SalesQuoteFactory
from tests.factories.segments import LoggedSegmentFactory, SegmentFactory

METHODS = ("get", "post", "put", "patch", "delete")

# Route name: {method: the permission it needs (None: any authenticated user)}.
API_MATRIX = {
    "api:schema": {"get": None},
    "api:contact_list": {"get": "contacts.view_contact", "post": "contacts.add_contact"},
    # An update by upsert needs contacts.change_contact as well (tests/api/test_api.py).
    "api:contact_upsert": {"post": "contacts.add_contact"},
    # Updating rows needs contacts.change_contact too (tests/api/test_contact_bulk.py).
    "api:contact_bulk_upsert": {"post": "contacts.add_contact"},
    "api:contact_detail": {
        "get": "contacts.view_contact",
        "put": "contacts.change_contact",
        "patch": "contacts.change_contact",
    },
    "api:campaign_list": {"get": "campaigns.view_campaign"},
    "api:campaign_detail": {"get": "campaigns.view_campaign"},
    "api:campaign_activate": {"post": "pricing.activate_campaign"},
    "api:campaign_deactivate": {"post": "pricing.activate_campaign"},
    "api:interaction_list": {
        "get": "campaigns.view_interactionlogentry",
        "post": "campaigns.add_interactionlogentry",
    },
    "api:best_price": {"get": "pricing.view_salesprice"},
    "api:segment_list": {"get": "segments.view_segment"},
    "api:segment_detail": {"get": "segments.view_segment"},
    "api:segment_lines": {"get": "segments.view_segment"},
    "api:segment_add_contacts": {"post": "segments.change_segment"},
    "api:segment_reduce": {"post": "segments.change_segment"},
    "api:segment_refine": {"post": "segments.change_segment"},
    "api:segment_go_back": {"post": "segments.change_segment"},
    "api:logged_segment_list": {"get": "segments.view_loggedsegment"},
    "api:logged_segment_detail": {"get": "segments.view_loggedsegment"},
    "api:logged_segment_deliveries": {"get": "segments.view_loggedsegment"},
    "api:company_list": {"get": "contacts.view_contact"},
    "api:company_detail": {"get": "contacts.view_contact"},
    "api:customer_list": {"get": "contacts.view_customer"},
    "api:customer_detail": {"get": "contacts.view_customer"},
    # Lines need quotes.change_salesquote as well, as the card's Add line does.
    "api:quote_list": {"get": "quotes.view_salesquote", "post": "quotes.add_salesquote"},
    "api:quote_detail": {"get": "quotes.view_salesquote"},
    "api:my_task_list": {"get": "activities.view_task"},
    "api:my_opportunity_list": {"get": "opportunities.view_opportunity"},
}

ROLES = {
    "manager": roles.MARKETING_MANAGER,
    "staff": roles.MARKETING_STAFF,
    "sales": roles.SALESPERSON,
    "viewer": roles.READ_ONLY,
}


def api_routes():
    _prefix, resolver = get_resolver().namespace_dict["api"]
    return {
        f"api:{pattern.name}": pattern
        for pattern in resolver.url_patterns
        if isinstance(pattern, URLPattern)
    }


def test_every_api_route_is_in_the_matrix():
    names = set(api_routes())
    assert names == set(API_MATRIX), (
        f"missing: {sorted(names - set(API_MATRIX))}, stale: {sorted(set(API_MATRIX) - names)}"
    )


# Route name prefix: a function making the record whose keys fill the route's URL
# (``{"no": …}``); the longest prefix of a route's name is used.
RECORDS = {
    "api:contact": lambda: {"no": CompanyFactory().no},
    "api:campaign": lambda: {"no": CampaignFactory().no},
    "api:segment": lambda: {"no": SegmentFactory().no},
    "api:logged_segment": lambda: {"pk": LoggedSegmentFactory().pk},
    "api:company": lambda: {"no": CompanyFactory().no},
    "api:customer": lambda: {"no": CustomerFactory().no},
    "api:quote": lambda: {"no": SalesQuoteFactory().no},
}


def kwargs_for(name, pattern):
    if not pattern.pattern.converters:
        return None
    prefix = max((p for p in RECORDS if name.startswith(p)), key=len)
    values = RECORDS[prefix]()
    return {key: values[key] for key in pattern.pattern.converters}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", *ROLES])
@pytest.mark.parametrize("name", sorted(API_MATRIX))
def test_api_permission_matrix(name, role):
    pattern = api_routes()[name]
    url = reverse(name, kwargs=kwargs_for(name, pattern))
    client = APIClient()
    user = None
    if role != "anonymous":
        user = UserFactory(username=role, role=ROLES[role])
        _token, key = services.create_api_token(user=user, name="Matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    problems = []
    for method in METHODS:
        response = getattr(client, method)(url, {}, format="json")
        status = response.status_code
        answered = method in API_MATRIX[name]
        needed = API_MATRIX[name].get(method)
        if user is None:
            ok, expected = status == 401, "401"
        elif not answered:
            ok, expected = status in (403, 405), "403 or 405"
        elif needed and not user.has_perm(needed):
            ok, expected = status == 403, f"403 (no {needed})"
        else:
            ok, expected = status < 500 and status not in (401, 403, 405), "no 401/403/405/5xx"
        if not ok:
            problems.append(f"{method.upper()} {url} ({role}): {status}, expected {expected}")
    assert not problems, "\n".join(problems)
