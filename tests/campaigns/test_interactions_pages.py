"""Interaction templates, interaction log entries and logging one interaction
from a contact card (docs/campaigns.md, Interactions)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignEntry, InteractionLogEntry, InteractionTemplate
from tests.campaigns.conftest import DAY, make_entry, many_contacts
from tests.factories import InteractionTemplateLanguageFactory

pytestmark = pytest.mark.django_db

TEMPLATES = reverse("campaigns:interactiontemplate_list")
INTERACTIONS = reverse("campaigns:interactionlogentry_list")


def log_url(contact):
    return reverse("campaigns:contact_log_interaction", kwargs={"key": contact.no})


def template_data(**changes):
    data = {
        "code": "mail",
        "description": "Letter",
        "unit_cost": "1.50",
        "unit_duration": "3",
        "information_flow": "outbound",
        "initiated_by": "us",
        "correspondence_type": "hard_copy",
        "campaign": "",
        "default_language": "en",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def queries(client, url, **params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


# Interaction templates ---------------------------------------------------------------


def test_template_pages_open_for_a_manager(manager_client, response_template):
    for url in [
        TEMPLATES,
        reverse("campaigns:interactiontemplate_create"),
        response_template.get_absolute_url(),
        response_template.get_url("edit"),
        response_template.get_url("delete"),
    ]:
        assert manager_client.get(url).status_code == 200, url


def test_read_only_user_sees_templates_but_cannot_change_them(viewer_client, call_template):
    assert viewer_client.get(TEMPLATES).status_code == 200
    assert viewer_client.get(call_template.get_absolute_url()).status_code == 200
    create = reverse("campaigns:interactiontemplate_create")
    for url in [create, call_template.get_url("edit"), call_template.get_url("delete")]:
        assert viewer_client.get(url).status_code == 403
        assert viewer_client.post(url, template_data()).status_code == 403
    assert InteractionTemplate.objects.count() == 1


def test_create_template_upper_cases_the_code(manager_client):
    response = manager_client.post(
        reverse("campaigns:interactiontemplate_create"), template_data(), follow=True
    )
    template = InteractionTemplate.objects.get()
    assert template.code == "MAIL"
    assert response.redirect_chain[-1][0] == template.get_absolute_url()


def test_target_and_response_without_campaign_are_field_errors(manager_client):
    response = manager_client.post(
        reverse("campaigns:interactiontemplate_create"),
        template_data(campaign_target="on", campaign_response="on"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"campaign_target", "campaign_response"} <= set(errors)
    assert "campaign" in errors["campaign_target"][0]
    assert not InteractionTemplate.objects.exists()


def test_target_with_a_campaign_is_accepted(manager_client, fair):
    response = manager_client.post(
        reverse("campaigns:interactiontemplate_create"),
        template_data(campaign=fair.pk, campaign_target="on"),
    )
    assert response.status_code == 302
    assert InteractionTemplate.objects.get().campaign_target


def test_bad_template_input_gives_field_errors(manager_client):
    response = manager_client.post(
        reverse("campaigns:interactiontemplate_create"),
        template_data(
            code="a/b", unit_cost="-1", unit_duration="x", campaign="999999", information_flow="up"
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"code", "unit_cost", "unit_duration", "campaign", "information_flow"} <= set(errors)


def test_template_card_shows_its_language_versions_and_the_merge_fields(
    manager_client, response_template
):
    page = manager_client.get(response_template.get_absolute_url()).content.decode()
    assert "Thank you, {{ contact.name }}" in page
    assert "Bedankt, {{ contact.name }}" in page
    assert "{{ company.name }}" in page  # the merge field help
    assert "{{ salesperson.name }}" in page


def test_template_body_is_shown_as_text_not_html(manager_client, call_template):
    InteractionTemplateLanguageFactory(
        template=call_template,
        body_text="<script>alert(1)</script>\nSecond line",
        body_html="<p onclick='x()'>Hi</p>",
    )
    page = manager_client.get(call_template.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page
    assert "<p onclick" not in page
    assert "&lt;p onclick=&#x27;x()&#x27;&gt;Hi&lt;/p&gt;" in page


def test_template_in_use_cannot_be_deleted(manager_client, call_template, ann):
    InteractionLogEntry.objects.create(
        contact=ann, contact_company=ann.company, template=call_template
    )
    response = manager_client.post(call_template.get_url("delete"), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert InteractionTemplate.objects.filter(pk=call_template.pk).exists()


def test_unused_template_is_deleted(manager_client, call_template):
    response = manager_client.post(call_template.get_url("delete"))
    assert response.status_code == 302
    assert not InteractionTemplate.objects.exists()


def test_template_list_filters_and_search(manager_client, call_template, response_template, fair):
    page = manager_client.get(TEMPLATES, {"campaign": fair.no}).content.decode()
    assert "REPLY" in page
    assert "Phone call" not in page
    page = manager_client.get(TEMPLATES, {"information_flow": "outbound"}).content.decode()
    assert "Phone call" in page
    assert "REPLY" not in page
    page = manager_client.get(TEMPLATES, {"correspondence_type": "blank"}).content.decode()
    assert "Phone call" in page
    page = manager_client.get(TEMPLATES, {"q": "invitation"}).content.decode()
    assert "REPLY" in page
    assert "Phone call" not in page


# Interaction log entries ----------------------------------------------------------------


def test_interaction_list_and_card_for_a_read_only_user(viewer_client, fair, ann):
    entry = make_entry(fair, contacts=[ann])
    interaction = entry.interactions.get()
    assert viewer_client.get(INTERACTIONS).status_code == 200
    page = viewer_client.get(interaction.get_absolute_url()).content.decode()
    assert ann.no in page
    assert "Save evaluation" not in page
    url = reverse("campaigns:interactionlogentry_evaluation", kwargs={"key": interaction.pk})
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"evaluation": "positive"}).status_code == 403
    interaction.refresh_from_db()
    assert interaction.evaluation == ""


def test_no_create_edit_or_delete_pages_for_interactions(manager_client, fair, ann):
    interaction = make_entry(fair, contacts=[ann]).interactions.get()
    page = manager_client.get(interaction.get_absolute_url()).content.decode()
    for path in ["new/", f"{interaction.pk}/edit/", f"{interaction.pk}/delete/"]:
        assert manager_client.get(INTERACTIONS + path).status_code == 404
    assert "bi-pencil" not in page
    assert "bi-trash" not in page


def test_evaluation_is_the_only_change(manager_client, fair, ann):
    interaction = make_entry(fair, contacts=[ann]).interactions.get()
    url = reverse("campaigns:interactionlogentry_evaluation", kwargs={"key": interaction.pk})
    response = manager_client.post(
        url, {"evaluation": "very_positive", "description": "hacked", "cost": "999"}, follow=True
    )
    assert "Evaluation saved." in response.content.decode()
    interaction.refresh_from_db()
    assert interaction.evaluation == "very_positive"
    assert interaction.description == "Letter"
    assert interaction.cost == Decimal("3.00")
    response = manager_client.post(url, {"evaluation": "great"})
    assert response.status_code == 200
    assert "evaluation" in response.context["form"].errors


def test_unknown_or_malformed_interaction_key_is_a_404(manager_client):
    for key in ["999999", "abc", "99999999999999999999999"]:
        assert manager_client.get(INTERACTIONS + f"{key}/").status_code == 404


def test_interaction_list_filters(manager_client, fair, ann, acme, call_template, rep):
    other = many_contacts(1)[0]
    make_entry(fair, contacts=[ann], description="Mailing")
    InteractionLogEntry.objects.create(
        contact=other,
        contact_company=other,
        template=call_template,
        description="Follow-up call",
        subject="About the fair",
        salesperson=rep,
        date=DAY.replace(day=1),
        canceled=True,
    )

    def rows(**params):
        response = manager_client.get(INTERACTIONS, params)
        assert response.status_code == 200
        return {row.record.contact.no for row in response.context["table"].rows}

    assert rows() == {ann.no, other.no}
    assert rows(contact=ann.no.lower()) == {ann.no}
    assert rows(contact_company=acme.no) == {ann.no}
    assert rows(campaign=fair.no) == {ann.no}
    assert rows(template=call_template.code) == {other.no}
    assert rows(date_from="2026-03-10") == {ann.no}
    assert rows(date_to="2026-03-10") == {other.no}
    assert rows(canceled="true") == {other.no}
    assert rows(salesperson=rep.code) == {other.no}
    # The search is "starts with" (index-friendly on millions of interactions).
    assert rows(q="about the") == {other.no}
    assert rows(q="follow") == {other.no}
    assert rows(q="fair") == set()
    # Bad filter values never give a server error.
    assert rows(date_from="31-31-2026", campaign="NOPE", template="X" * 300) == set()


def test_interaction_card_query_count_is_constant(manager_client, fair):
    small = make_entry(fair, contacts=many_contacts(3, "A"))
    large = make_entry(fair, contacts=many_contacts(30, "B"))
    first = small.interactions.first()
    last = large.interactions.last()
    assert queries(manager_client, first.get_absolute_url()) == queries(
        manager_client, last.get_absolute_url()
    )


def test_interaction_list_query_count_does_not_grow(manager_client, fair):
    make_entry(fair, contacts=many_contacts(3, "A"))
    three = queries(manager_client, INTERACTIONS)
    make_entry(fair, contacts=many_contacts(27, "B"))
    assert queries(manager_client, INTERACTIONS) == three
    # filtered: one more query to look the campaign up, whatever the number of rows
    # (once the filter is remembered, docs/lists.md: the first request writes it)
    queries(manager_client, INTERACTIONS, campaign=fair.no)
    assert queries(manager_client, INTERACTIONS, campaign=fair.no) == three + 1


# Log an interaction from the contact card ------------------------------------------


def test_contact_card_offers_log_interaction_and_lists_interactions(
    manager_client, viewer, fair, ann, acme
):
    make_entry(fair, contacts=[ann], description="Mailing")
    page = manager_client.get(ann.get_absolute_url()).content.decode()
    assert log_url(ann) in page
    assert "Letter" in page  # the interactions panel
    assert f"{INTERACTIONS}?contact={ann.no}" in page
    company_page = manager_client.get(acme.get_absolute_url()).content.decode()
    assert f"{INTERACTIONS}?contact_company={acme.no}" in company_page
    assert "Ann Buyer" in company_page  # a company lists its persons' interactions
    manager_client.force_login(viewer)
    assert log_url(ann) not in manager_client.get(ann.get_absolute_url()).content.decode()


def test_contact_card_panel_query_count_does_not_grow(manager_client, fair, ann):
    make_entry(fair, contacts=[ann])
    one = queries(manager_client, ann.get_absolute_url())
    for _n in range(25):
        make_entry(fair, contacts=[ann])
    assert queries(manager_client, ann.get_absolute_url()) == one


def test_log_interaction_page_opens_with_the_contacts_defaults(manager_client, ann, rep):
    response = manager_client.get(log_url(ann))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["salesperson"] == rep
    assert str(ann) in response.content.decode()


def test_log_interaction_needs_the_permission(viewer_client, ann, call_template):
    assert viewer_client.get(log_url(ann)).status_code == 403
    response = viewer_client.post(log_url(ann), {"template": "CALL", "date": "2026-03-16"})
    assert response.status_code == 403
    assert not InteractionLogEntry.objects.exists()


def test_salesperson_may_log_interactions(client, salesperson_user, ann, call_template):
    client.force_login(salesperson_user)
    response = client.post(log_url(ann), {"template": "CALL", "date": "2026-03-16"})
    assert response.status_code == 302


def test_log_interaction_for_an_unknown_contact_is_a_404(manager_client):
    assert manager_client.get(log_url_key("CT999999")).status_code == 404


def log_url_key(key):
    return reverse("campaigns:contact_log_interaction", kwargs={"key": key})


def test_choosing_a_template_fills_in_its_defaults(manager_client, ann, response_template, fair):
    response = manager_client.get(log_url(ann), {"template": "reply", "evaluation": "positive"})
    initial = response.context["form"].initial
    assert initial["campaign"] == fair
    assert initial["campaign_response"] is True
    assert initial["cost"] == Decimal("1.25")
    assert initial["subject"] == "Thank you, Ann Buyer"
    assert initial["evaluation"] == "positive"  # kept from what the form carried
    # The htmx / no-script refresh posts the form with _fill: nothing is saved.
    response = manager_client.post(
        log_url(ann), {"template": "REPLY", "date": "2026-03-01", "_fill": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].initial["description"] == "Reply to invitation"
    assert response.context["form"].initial["date"] == "2026-03-01"
    assert not InteractionLogEntry.objects.exists()


def test_choosing_a_template_keeps_the_typing_the_template_has_no_value_for(
    manager_client, ann, response_template
):
    response_template.information_flow = ""
    response_template.save()
    typed = {"description": "Phoned back", "subject": "About the fair", "date": "2026-03-01"}
    response = manager_client.post(
        log_url(ann), {**typed, "information_flow": "inbound", "template": "REPLY", "_fill": "1"}
    )
    initial = response.context["form"].initial
    assert initial["description"] == "Reply to invitation"  # the template's value wins
    assert initial["subject"] == "Thank you, Ann Buyer"
    assert initial["information_flow"] == "inbound"  # the template has none: typing stays
    # Clearing the template keeps everything typed.
    response = manager_client.post(log_url(ann), {**typed, "template": "", "_fill": "1"})
    initial = response.context["form"].initial
    assert (initial["description"], initial["subject"]) == ("Phoned back", "About the fair")
    assert not InteractionLogEntry.objects.exists()


def test_logged_interaction_joins_the_campaigns_interactions_entry(
    manager_client, manager, ann, response_template, fair, rep
):
    data = {
        "template": "REPLY",
        "defaults_from": "REPLY",
        "date": "2026-03-16",
        "description": "",
        "subject": "Re: fair",
        "campaign": fair.pk,
        "campaign_response": "on",
        "cost": "",
        "duration": "",
        "correspondence_type": "email",
        "information_flow": "inbound",
        "initiated_by": "them",
        "evaluation": "positive",
        "salesperson": rep.pk,
    }
    response = manager_client.post(log_url(ann), data, follow=True)
    assert response.redirect_chain[-1][0] == ann.get_absolute_url()
    assert "logged" in response.content.decode()
    first = InteractionLogEntry.objects.get()
    assert first.description == "Reply to invitation"  # blank takes the template's
    assert (first.cost, first.duration) == (Decimal("1.25"), Decimal("5.0"))
    assert first.contact_company == ann.company
    assert first.user == manager
    assert first.campaign_response
    assert not first.campaign_target
    entry = first.campaign_entry
    assert entry.description == "Interactions"
    assert entry.campaign == fair

    manager_client.post(log_url(ann), {**data, "cost": "4.00", "duration": "20"})
    assert CampaignEntry.objects.count() == 1
    figures = CampaignEntry.objects.with_figures().get()
    assert figures.interaction_count == 2
    assert figures.cost == Decimal("5.25")
    assert figures.duration == Decimal("25.0")
    page = manager_client.get(entry.get_absolute_url()).content.decode()
    assert "5.25" in page
    assert "25.0" in page


def test_template_chosen_without_filling_in_still_gives_its_campaign(
    manager_client, ann, response_template, fair
):
    response = manager_client.post(log_url(ann), {"template": "REPLY", "date": "2026-03-16"})
    assert response.status_code == 302
    interaction = InteractionLogEntry.objects.get()
    assert interaction.campaign == fair
    assert interaction.campaign_response
    assert interaction.subject == "Thank you, Ann Buyer"
    assert interaction.campaign_entry.description == "Interactions"


def test_interaction_without_campaign_has_no_entry(manager_client, ann, call_template):
    response = manager_client.post(log_url(ann), {"template": "CALL", "date": "2026-03-16"})
    assert response.status_code == 302
    interaction = InteractionLogEntry.objects.get()
    assert interaction.campaign_entry is None
    assert interaction.cost == Decimal("2.50")
    assert not CampaignEntry.objects.exists()


def test_log_interaction_form_rules(manager_client, ann, call_template):
    response = manager_client.post(
        log_url(ann),
        {
            "template": "CALL",
            "defaults_from": "CALL",
            "date": "2026-13-45",
            "campaign_target": "on",
            "cost": "-1",
            "salesperson": "999999",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"date", "campaign_target", "cost", "salesperson"} <= set(errors)
    response = manager_client.post(log_url(ann), {"date": "2026-03-16"})
    assert "template" in response.context["form"].errors
    response = manager_client.post(log_url(ann), {"template": "NOPE", "date": "2026-03-16"})
    assert "template" in response.context["form"].errors
    assert not InteractionLogEntry.objects.exists()


def test_blocked_salesperson_is_not_offered(manager_client, ann, rep, call_template):
    rep.blocked = True
    rep.save()
    response = manager_client.get(log_url(ann))
    assert response.context["form"].initial["salesperson"] is None
    response = manager_client.post(
        log_url(ann), {"template": "CALL", "date": "2026-03-16", "salesperson": rep.pk}
    )
    assert "salesperson" in response.context["form"].errors


@pytest.mark.parametrize(
    "name", ["interactionlogentry_list", "campaignentry_list", "interactiontemplate_list"]
)
@pytest.mark.parametrize(
    "params",
    [{"page": "abc"}, {"page": "999"}, {"sort": "nonexistent"}, {"canceled": "maybe"}],
)
def test_odd_list_parameters_never_give_a_server_error(manager_client, fair, ann, name, params):
    make_entry(fair, contacts=[ann])
    response = manager_client.get(reverse(f"campaigns:{name}"), params)
    assert response.status_code in (200, 404)


def test_garbage_in_the_log_interaction_refresh_is_ignored(manager_client, ann, call_template):
    response = manager_client.get(
        log_url(ann), {"template": "ZZ", "date": "zz", "salesperson": "abc", "evaluation": "?"}
    )
    assert response.status_code == 200
    # A NUL character is refused for every page (PostgreSQL cannot store it).
    response = manager_client.get(log_url(ann), {"template": "\x00"})
    assert response.status_code == 400
    response = manager_client.post(
        log_url(ann), {"template": "NOPE", "_fill": "1", "cost": "1e400", "campaign": "abc"}
    )
    assert response.status_code == 200
    assert not InteractionLogEntry.objects.exists()
