"""Two users edit the same record (docs/concurrency.md).

For every edit form of the project (found from the URL patterns: every page of
``core.generic_views.FormPageMixin`` whose form carries a record version, so a new
edit form is covered without touching this file):

1. users A and B open the same form;
2. A changes one field and saves: saved;
3. B, from the form opened before A saved, changes another field and saves: refused,
   the page shows the conflict (who, their values beside B's) and A's change is still
   stored; nothing of B's is;
4. B saves again from the refused page (which carries the new version): B's values are
   applied.

And the admin's change form, and a service called with a stale copy of a record.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.models import Campaign
from core.concurrency import VERSION_FIELD, RecordChanged, record_version, version_names
from core.generic_views import FormPageMixin
from pricing.models import Item
from tests.core.test_bad_input import page_form
from tests.core.test_permission_matrix import MATRIX, url_patterns
from tests.factories import CampaignFactory

USER_A, USER_B = "manager", "demo"  # both may change every record
VERSION_INPUT = re.compile(r'name="_version" value="([0-9a-f]+)"')
# Fields a test changes first, when the form has them (they take any text).
PREFERRED = ["description", "name", "subject", "job_title", "address", "city", "evaluation"]
SKIPPED = {"no", "code", "sales_code", "email", "date_formula", "prefix", "stage", "step_no"}


def edit_pages() -> list[tuple[str, type]]:
    """``(URL name, view class)`` of every form page of the generic views with a key."""
    pages = []
    for name, _route, pattern in url_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if (
            name in MATRIX
            and view_class is not None
            and issubclass(view_class, FormPageMixin)
            and MATRIX[name].kwargs is not None
            and not name.endswith(("_create", "_add"))  # a new record has no version
        ):
            pages.append((name, view_class))
    return sorted(pages)


EDIT_PAGES = edit_pages()


@pytest.fixture
def clients(demo_data, db):
    users = get_user_model().objects.filter(username__in=[USER_A, USER_B])
    by_name = {user.username: user for user in users}
    made = {}
    for name in (USER_A, USER_B):
        client = Client()
        client.force_login(by_name[name])
        made[name] = client
    return made, by_name


def _new_text(field, old: str, mark: str) -> str:
    limit = field.max_length or 100
    text = f"{old} {mark}".strip()
    # Cut from the front, and stripped as the form strips it (a body's lines).
    return text[-limit:].lstrip() if len(text) > limit else text


def _changed_value(field, old: list[str], mark: str) -> list[str] | None:
    """A valid value of ``field`` other than ``old``, or None when there is none."""
    current = old[0] if old else ""
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return None
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        values = [str(value) for value, _label in field.choices if str(value) != current]
        return [values[-1]] if values else None
    if isinstance(field, forms.BooleanField):
        return [] if old and old != [""] else ["on"]
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        try:
            number = Decimal(current.replace(",", "")) if current else Decimal(0)
        except InvalidOperation:
            return None
        return [str(number + 1)]
    if isinstance(field, forms.DateField):
        try:
            day = datetime.date.fromisoformat(current)
        except ValueError:
            return None
        return [(day + datetime.timedelta(days=1)).isoformat()]
    if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
        return [_new_text(field, current, mark)]
    return None


def _candidates(form, values) -> list[str]:
    """The fields a test can change, the preferred ones first."""
    names = [
        name
        for name, field in form.fields.items()
        if not field.disabled
        and name not in SKIPPED
        and not isinstance(field.widget, forms.HiddenInput)
        and _changed_value(field, values.get(name, []), "x") is not None
    ]
    return sorted(names, key=lambda name: PREFERRED.index(name) if name in PREFERRED else 99)


VOLATILE = {"csrfmiddlewaretoken", "_submit_once"}


def _stored(client, url) -> dict:
    """What the edit form shows now (the record as stored), without the per-page tokens."""
    values = page_form(client.get(url).content.decode(), url)["values"]
    return {name: value for name, value in values.items() if name not in VOLATILE}


def _post(client, url, values):
    response = client.post(url, values)
    context = getattr(response, "context", None)
    if response.status_code == 200 and context and context.get("propagation"):
        # The segment header asks whether its lines follow a changed field: no.
        response = client.post(url, {**values, "update_lines": "no"})
    return response


def _saved(response) -> bool:
    return response.status_code == 302


def _same(left, right) -> bool:
    """Two posted values of a field are the same value (1 and 1.00 are)."""
    left, right = list(left or []), list(right or [])
    if left == right or (not any(left) and not any(right)):
        return True
    try:
        return [Decimal(v.replace(",", "")) for v in left] == [
            Decimal(v.replace(",", "")) for v in right
        ]
    except (InvalidOperation, AttributeError):
        return False


def _changes(client, url, form, values, mark) -> list[tuple[str, list[str]]]:
    """The changes of one field each that the page saves, tried one by one in a
    savepoint that is rolled back (a field whose new value the record's rules refuse,
    e.g. another discount type for the same code, is no good for the test)."""
    found = []
    for name in _candidates(form, values):
        value = _changed_value(form.fields[name], values.get(name, []), mark)
        with transaction.atomic():
            saved = _saved(_post(client, url, {**values, name: value}))
            transaction.set_rollback(True)
        if saved:
            found.append((name, value))
    return found


@pytest.mark.parametrize(("name", "view_class"), EDIT_PAGES, ids=[n for n, _v in EDIT_PAGES])
def test_a_stale_save_is_refused_and_nothing_is_lost(clients, name, view_class):
    made, users = clients
    a_client, b_client = made[USER_A], made[USER_B]
    url = reverse(name, kwargs=MATRIX[name].kwargs(users[USER_A]))
    with transaction.atomic():
        a_page = a_client.get(url)
        assert a_page.status_code == 200, (url, a_page.status_code)
        assert "version_field" in a_page.context, f"{name}: the form carries no version"
        form = a_page.context["form"]
        # 1. A and B open the form.
        a_values = page_form(a_page.content.decode(), url)["values"]
        b_values = page_form(b_client.get(url).content.decode(), url)["values"]
        assert a_values[VERSION_FIELD] == b_values[VERSION_FIELD]
        changes = _changes(a_client, url, form, a_values, "A")
        assert changes, f"{name}: no field the test can change"
        a_field, a_value = changes[0]
        b_field = changes[1][0] if len(changes) > 1 else a_field
        b_value = _changed_value(form.fields[b_field], b_values.get(b_field, []), "B")
        # 2. A saves.
        a_saved = _post(a_client, url, {**a_values, a_field: a_value})
        assert _saved(a_saved), (name, a_saved.status_code, _errors(a_saved))
        after_a = _stored(a_client, url)
        assert _same(after_a.get(a_field), a_value), (name, a_field)
        # 3. B saves from the form opened before: refused, A's change stays.
        b_values[b_field] = b_value
        b_refused = _post(b_client, url, b_values)
        assert b_refused.status_code == 200, (name, b_refused.status_code)
        assert b_refused.context["conflict"] is not None, (name, _errors(b_refused))
        content = b_refused.content.decode()
        assert "Changed by another user" in content
        assert _stored(a_client, url) == after_a, f"{name}: B's stale save changed the record"
        # 4. B saves again from the refused page: B's values are applied.
        new_version = VERSION_INPUT.search(content).group(1)
        assert new_version != b_values[VERSION_FIELD][0]
        b_values[VERSION_FIELD] = [new_version]
        b_again = _post(b_client, url, b_values)
        assert _saved(b_again), (name, b_again.status_code, _errors(b_again))
        final = _stored(b_client, url)
        assert _same(final.get(b_field), b_value), (name, b_field, final.get(b_field), b_value)
        transaction.set_rollback(True)


def _errors(response):
    context = getattr(response, "context", None)
    form = context.get("form") if context else None
    return form.errors if form is not None else None


def test_every_edit_page_is_covered():
    names = {name for name, _view in EDIT_PAGES}
    edits = {name for name in MATRIX if name.endswith("_edit")}
    assert edits <= names, sorted(edits - names)
    assert "campaigns:interactionlogentry_evaluation" in names
    assert len(names) >= 25


@pytest.fixture
def campaign(db):
    return CampaignFactory(description="Trade show")


def test_a_service_with_a_stale_copy_does_not_put_back_what_it_did_not_change(campaign):
    """The outside test's case: a campaign loaded before its activation, saved with
    another description, does not clear *activated*."""
    stale = Campaign.objects.get(pk=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(activated=True, target_count=3)
    stale.description = "New description"
    campaign_services.save_campaign(campaign=stale)
    stored = Campaign.objects.get(pk=campaign.pk)
    assert stored.description == "New description"
    assert stored.activated is True
    assert stored.target_count == 3


def test_a_service_with_a_version_refuses_a_stale_copy(campaign):
    campaign = Campaign.objects.get(pk=campaign.pk)
    version = record_version(campaign, version_names(Campaign))
    Campaign.objects.filter(pk=campaign.pk).update(description="Changed by someone else")
    campaign.description = "Mine"
    with pytest.raises(RecordChanged) as refused:
        campaign_services.save_campaign(campaign=campaign, version=version)
    labels = {row["label"]: row for row in refused.value.differences if row["differ"]}
    assert labels["Description"]["theirs"] == "Changed by someone else"
    assert labels["Description"]["yours"] == "Mine"
    assert Campaign.objects.get(pk=campaign.pk).description == "Changed by someone else"


@pytest.mark.django_db
def test_the_admin_refuses_a_stale_save_and_keeps_both_values(admin_client):
    item = Item.objects.create(no="IT1", description="Chair", unit_price=Decimal("10.00"))
    url = reverse("admin:pricing_item_change", args=[item.pk])
    page = admin_client.get(url)
    values = page_form(page.content.decode(), url)["values"]
    assert values[VERSION_FIELD]
    Item.objects.filter(pk=item.pk).update(unit_price=Decimal("77.77"))
    values["description"] = ["Chair, blue"]
    values["_save"] = ["Save"]
    response = admin_client.post(url, values)
    assert response.status_code == 200
    text = response.content.decode()
    assert "after you opened it" in text
    assert "77.77" in text
    stored = Item.objects.get(pk=item.pk)
    assert (stored.unit_price, stored.description) == (Decimal("77.77"), "Chair")
    # Saving again from the refused page applies the typed values.
    values[VERSION_FIELD] = [VERSION_INPUT.search(text).group(1)]
    response = admin_client.post(url, values)
    assert response.status_code == 302
    stored = Item.objects.get(pk=item.pk)
    assert (stored.unit_price, stored.description) == (Decimal("10.00"), "Chair, blue")
