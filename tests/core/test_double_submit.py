"""Double submit (docs/security.md): the same form posted twice is done once.

A user double-clicks, or the browser sends the form again (Back and submit, reload
after a post). Each test fetches the page as a browser does, posts its form with the
same data twice and checks that the second post:

- adds nothing (the row counts of every model of the project after two posts are those
  after one);
- gets a clear answer: a redirect with "This form was already submitted." to where the
  first post led (``core.submit_once``), or a message or form error; never a 500.

Forms of ``core.generic_views`` (create/edit forms and yes/no actions), Log interaction
and the quote's Add line carry a one-time token; a post without it works as before (the
rest of the suite posts without one).
"""

import threading

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from activities.models import Activity, Task
from campaigns.models import Campaign, CampaignEntry, CampaignStatus, InteractionTemplate
from contacts.models import Contact, Customer
from core import roles, submit_once
from pricing.models import Item, SalesPrice
from quotes.models import SalesQuote
from salespeople.models import Salesperson
from segments.models import LoggedSegment, Segment, SegmentLine
from segments.segment_logging import check_segment_can_be_logged
from tests.core.test_bad_input import POST_VIEWS, page_form, row_counts
from tests.core.test_permission_matrix import MATRIX
from tests.factories import UserFactory

ALREADY = "This form was already submitted."


@pytest.fixture
def browser(demo_data, db):
    """The Marketing manager's client on the demo data (rolled back after each test)."""
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    return client


def texts(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def form_data(browser, url, *, page=None, **values) -> dict:
    """The form posting to ``url`` on the page at ``page`` (``url`` itself by default) as a
    browser sends it, with ``values`` typed in."""
    response = browser.get(page or url)
    assert response.status_code == 200, page or url
    form = page_form(response.content.decode(), url)
    assert form is not None, f"no form posting to {url}"
    data = {k: v for k, v in form["values"].items() if k != "csrfmiddlewaretoken"}
    data.update({k: v if isinstance(v, list) else [v] for k, v in values.items()})
    return data


def submit_twice(browser, url, data):
    """Post ``data`` twice; the responses and the row counts before, after one and after two."""
    before = row_counts()
    first = browser.post(url, data)
    assert first.status_code == 302, (url, first.status_code, _errors(first))
    first_messages = texts(first)
    assert not [text for level, text in first_messages if level >= messages.ERROR], first_messages
    once = row_counts()
    second = browser.post(url, data)
    twice = row_counts()
    assert second.status_code < 500
    return first, second, before, once, twice


def _errors(response):
    context = response.context
    form = context.get("form") if context else None
    return form.errors if form is not None else texts(response)


def changed(before, after) -> dict:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def assert_refused_as_already_submitted(first, second, once, twice):
    assert changed(once, twice) == {}
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert (messages.WARNING, ALREADY) in texts(second)


# --- Create records ----------------------------------------------------------------------


def test_new_contact_posted_twice_is_created_once(browser):
    url = reverse("contacts:contact_create")
    data = form_data(browser, url, type="company", name="Double Click BV", no="")
    first, second, before, once, twice = submit_twice(browser, url, data)
    assert once["contacts.Contact"] == before["contacts.Contact"] + 1
    assert Contact.objects.filter(name="Double Click BV").count() == 1
    assert_refused_as_already_submitted(first, second, once, twice)
    assert first["Location"] == Contact.objects.get(name="Double Click BV").get_absolute_url()


def test_new_campaign_posted_twice_is_created_once(browser):
    url = reverse("campaigns:campaign_create")
    status = CampaignStatus.objects.order_by("code").first()
    data = form_data(browser, url, no="", description="Double click", status=str(status.pk))
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert Campaign.objects.filter(description="Double click").count() == 1
    assert_refused_as_already_submitted(first, second, once, twice)


def test_new_segment_posted_twice_is_created_once(browser):
    url = reverse("segments:segment_create")
    data = form_data(browser, url, no="", description="Double click segment")
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert Segment.objects.filter(description="Double click segment").count() == 1
    assert_refused_as_already_submitted(first, second, once, twice)


def test_new_sales_price_posted_twice_is_created_once(browser):
    url = reverse("pricing:salesprice_create")
    item = Item.objects.order_by("no").first()
    data = form_data(
        browser,
        url,
        item=item.no,
        sales_type="all_customers",
        sales_code="",
        starting_date="2031-01-01",
        ending_date="",
        minimum_quantity="7",
        unit_price="12.34",
    )
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert SalesPrice.objects.filter(item=item, minimum_quantity=7, unit_price="12.34").count() == 1
    assert_refused_as_already_submitted(first, second, once, twice)


def test_new_task_posted_twice_is_created_once(browser):
    url = reverse("activities:task_create")
    salesperson = Salesperson.objects.filter(blocked=False).order_by("code").first()
    data = form_data(
        browser,
        url,
        no="",
        description="Double click task",
        date="2031-03-04",
        salesperson=str(salesperson.pk),
    )
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert Task.objects.filter(description="Double click task").count() == 1
    assert_refused_as_already_submitted(first, second, once, twice)


def test_assign_activity_posted_twice_creates_the_tasks_once(browser):
    campaign = Campaign.objects.order_by("no").first()
    activity = Activity.objects.filter(steps__isnull=False).order_by("code").first()
    salesperson = Salesperson.objects.filter(blocked=False).order_by("code").first()
    url = reverse("activities:campaign_assign_activity", kwargs={"key": campaign.no})
    data = form_data(
        browser,
        url,
        activity=str(activity.pk),
        start_date="2031-05-06",
        salesperson=str(salesperson.pk),
        team="",
    )
    first, second, before, once, twice = submit_twice(browser, url, data)
    steps = activity.steps.count()
    assert once["activities.Task"] - before["activities.Task"] == steps
    assert_refused_as_already_submitted(first, second, once, twice)


def test_create_as_customer_posted_twice_creates_one_customer(browser):
    contact = Contact.objects.filter(type="company", customer__isnull=True).order_by("no").first()
    url = reverse("contacts:contact_create_customer", kwargs={"key": contact.no})
    data = form_data(browser, url)
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert Customer.objects.filter(contact=contact).count() == 1
    assert first["Location"] == Customer.objects.get(contact=contact).get_absolute_url()
    assert_refused_as_already_submitted(first, second, once, twice)


def test_create_as_customer_posted_twice_without_the_token_is_refused_by_the_service(browser):
    """The service refuses a second customer too, for a client that sends no token."""
    contact = Contact.objects.filter(type="company", customer__isnull=True).order_by("no").first()
    url = reverse("contacts:contact_create_customer", kwargs={"key": contact.no})
    data = form_data(browser, url)
    data.pop(submit_once.FIELD)
    _first, second, _before, once, twice = submit_twice(browser, url, data)
    assert changed(once, twice) == {}
    assert second.status_code == 302
    assert any(level == messages.ERROR for level, _text in texts(second))


def test_log_interaction_posted_twice_logs_one_interaction(browser):
    contact = Contact.objects.filter(type="company").order_by("no").first()
    template = InteractionTemplate.objects.order_by("code").first()
    url = reverse("campaigns:contact_log_interaction", kwargs={"key": contact.no})
    data = form_data(browser, url, template=template.code, date="2031-02-03")
    first, second, before, once, twice = submit_twice(browser, url, data)
    label = "campaigns.InteractionLogEntry"
    assert once[label] == before[label] + 1
    assert_refused_as_already_submitted(first, second, once, twice)


def test_add_quote_line_posted_twice_adds_one_line(browser):
    quote = SalesQuote.objects.filter(customer__blocked=False).order_by("no").first()
    item = Item.objects.filter(blocked=False).order_by("no").first()
    url = reverse("quotes:salesquoteline_add", kwargs={"key": quote.no})
    data = form_data(browser, url, page=quote.get_absolute_url(), item_no=item.no, quantity="3")
    first, second, before, once, twice = submit_twice(browser, url, data)
    assert once["quotes.SalesQuoteLine"] == before["quotes.SalesQuoteLine"] + 1
    assert_refused_as_already_submitted(first, second, once, twice)


# --- Actions -----------------------------------------------------------------------------


def _targeted_campaign():
    line = (
        SegmentLine.objects.filter(campaign_target=True, campaign__isnull=False)
        .select_related("campaign")
        .order_by("pk")
        .first()
    )
    assert line is not None, "the demo data has no campaign target line"
    return line.campaign


@pytest.mark.parametrize("token", [True, False], ids=["with token", "without token"])
def test_activate_posted_twice_activates_once(browser, token):
    campaign = _targeted_campaign()
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    data = form_data(browser, url)
    if not token:
        data.pop(submit_once.FIELD)
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert Campaign.objects.get(pk=campaign.pk).activated
    if token:
        assert_refused_as_already_submitted(first, second, once, twice)
    else:
        # Activating again recomputes the same target group: nothing is added.
        assert second.status_code == 302
        assert {k: v for k, v in changed(once, twice).items() if "Audit" not in k} == {}


def _loggable_segment():
    for segment in Segment.objects.filter(lines__isnull=False).distinct().order_by("no"):
        try:
            check_segment_can_be_logged(segment)
        except Exception:  # noqa: BLE001, S112 - the next one may be loggable
            continue
        return segment
    pytest.fail("the demo data has no segment that can be logged")


def test_log_segment_posted_twice_logs_once(browser):
    segment = _loggable_segment()
    url = reverse("segments:segment_log", kwargs={"key": segment.no})
    data = form_data(browser, url)
    first, second, before, once, twice = submit_twice(browser, url, data)
    assert once["segments.LoggedSegment"] == before["segments.LoggedSegment"] + 1
    logged = LoggedSegment.objects.order_by("-pk").first()
    assert first["Location"] == logged.get_absolute_url()
    # The segment is gone after logging: the second post is answered before looking for it.
    assert_refused_as_already_submitted(first, second, once, twice)


def test_log_segment_posted_again_without_the_token_is_a_404_not_a_500(browser):
    segment = _loggable_segment()
    url = reverse("segments:segment_log", kwargs={"key": segment.no})
    data = form_data(browser, url)
    data.pop(submit_once.FIELD)
    _first, second, _before, once, twice = submit_twice(browser, url, data)
    assert changed(once, twice) == {}
    assert second.status_code == 404


def test_delete_canceled_entries_confirmed_twice_deletes_once(browser):
    entry = CampaignEntry.objects.filter(canceled=True).order_by("pk").first()
    assert entry is not None, "the demo data has no canceled campaign entry"
    url = reverse("campaigns:campaignentry_delete_canceled")
    data = {"campaign": [entry.campaign.no], "confirm": ["1"]}
    first, second, before, once, twice = submit_twice(browser, url, data)
    assert once["campaigns.CampaignEntry"] < before["campaigns.CampaignEntry"]
    assert {k: v for k, v in changed(once, twice).items() if "Audit" not in k} == {}
    assert second.status_code == 302
    assert (messages.SUCCESS, "0 canceled campaign entries deleted.") in texts(second)


def test_an_edit_sent_again_is_refused(browser):
    campaign = Campaign.objects.order_by("no").first()
    url = reverse("campaigns:campaign_edit", kwargs={"key": campaign.no})
    data = form_data(browser, url, description="Edited once")
    first, second, _before, once, twice = submit_twice(browser, url, data)
    assert Campaign.objects.get(pk=campaign.pk).description == "Edited once"
    assert_refused_as_already_submitted(first, second, once, twice)


# --- The token ---------------------------------------------------------------------------


def test_a_refused_form_keeps_its_token_so_the_corrected_form_can_be_sent(browser):
    url = reverse("contacts:contact_create")
    data = form_data(browser, url, type="company", name="", no="")
    response = browser.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    page = page_form(response.content.decode(), url)
    assert page["values"][submit_once.FIELD] == data[submit_once.FIELD]
    data["name"] = ["Corrected BV"]
    response = browser.post(url, data)
    assert response.status_code == 302
    assert Contact.objects.filter(name="Corrected BV").count() == 1


def test_a_form_posted_without_a_token_works_as_before(browser):
    """Without a token (a test client, a script) every post is done: two contacts."""
    url = reverse("contacts:contact_create")
    data = form_data(browser, url, type="company", name="No token BV", no="")
    data.pop(submit_once.FIELD)
    assert browser.post(url, data).status_code == 302
    assert browser.post(url, data).status_code == 302
    assert Contact.objects.filter(name="No token BV").count() == 2


def test_each_page_gives_a_new_token(browser):
    url = reverse("contacts:contact_create")
    assert form_data(browser, url)[submit_once.FIELD] != form_data(browser, url)[submit_once.FIELD]


def test_a_malformed_token_is_ignored(browser):
    url = reverse("contacts:contact_create")
    page = form_data(browser, url, type="company", no="")
    for token in ["", "short", "x" * 10_000, "bad token with spaces !!"]:
        data = {**page, "name": [f"Token {len(token)}"], submit_once.FIELD: [token]}
        assert browser.post(url, data).status_code == 302
        assert browser.post(url, data).status_code == 302
    assert Contact.objects.filter(name__startswith="Token ").count() == 8


def test_the_session_keeps_only_the_last_tokens(browser):
    url = reverse("segments:segment_create")
    for number in range(submit_once.KEEP + 5):
        data = form_data(browser, url, no="", description=f"Kept {number}")
        assert browser.post(url, data).status_code == 302
    assert len(browser.session[submit_once.SESSION_KEY]) == submit_once.KEEP


def test_every_form_page_of_the_generic_views_carries_the_token(browser):
    """Every page of a view with the one-time token renders it inside its form (a
    template that forgets ``{{ submit_once_field }}`` would silently lose the check)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="manager")
    missing, checked = [], 0
    for name, view_class in POST_VIEWS.items():
        if not (
            isinstance(view_class, type) and issubclass(view_class, submit_once.SubmitOnceMixin)
        ):
            continue
        page = MATRIX[name]
        kwargs = page.kwargs(user) if page.kwargs else {}
        url = reverse(name, kwargs=kwargs or None)
        with transaction.atomic():
            response = browser.get(url)
            transaction.set_rollback(True)
        if response.status_code != 200:
            continue
        checked += 1
        form = page_form(response.content.decode(), url)
        if form is None or submit_once.FIELD not in form["values"]:
            missing.append(name)
    assert checked >= 60
    assert not missing, f"pages whose form has no one-time token: {missing}"


# --- At the same time (PostgreSQL) -------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_sending_both_posts_at_once_creates_one_record():
    """Two posts of the same form at the same moment: the second waits for the first
    (the session row is locked) and is then refused."""
    user = UserFactory(username="clicker", role=roles.MARKETING_STAFF)
    client = Client()
    client.force_login(user)
    url = reverse("contacts:contact_create")
    data = form_data(client, url, type="company", name="Concurrent BV", no="")
    barrier = threading.Barrier(2)
    statuses, errors = [], []

    def post():
        try:
            thread_client = Client()
            thread_client.cookies = client.cookies
            barrier.wait()
            statuses.append(thread_client.post(url, data).status_code)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [302, 302]
    assert Contact.objects.filter(name="Concurrent BV").count() == 1
