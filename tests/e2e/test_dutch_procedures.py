"""The procedures of NAV's Dutch help page *Marketingcampagnes beheren*, one test each,
carried out in the Dutch pages with the Dutch labels a NAV user knows
(docs/glossary.md, docs/workflow.md).

The user logs in and chooses *Nederlands* with the language switcher, as a user does;
every control is then found by its Dutch label or button name. Each test checks the
result on the page and in the database, and that the texts of its steps show no
English. The records a procedure starts from are made with the factories and
services; the procedure itself is clicks and typing.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Activity, ActivityStep, Task, TaskType
from campaigns.models import Campaign, CampaignEntry, CampaignStatus, InteractionLogEntry
from contacts.models import CorrespondenceType
from contacts.services import create_customer_from_contact
from core import roles
from core.models import UserPreference
from pricing.models import CampaignTarget, SalesLineDiscount, SalesPrice, SalesType
from segments import services as segment_services
from segments.models import Segment, SegmentLine
from segments.segment_logging import log_segment
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import (
    CampaignFactory,
    CampaignStatusFactory,
    ItemFactory,
    SalespersonFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
    World,
    make_template,
)

# Words of the English pages that have no place in a Dutch one (whole words; the test
# data is Dutch so that it cannot trip them).
ENGLISH = re.compile(
    r"\b(the|and|with|this|Save|Delete|Cancel|Yes|New|Edit|created|deleted|saved|added|"
    r"canceled|Campaign|campaign|entry|entries|Sales|sales|prices|discount|target|targets|"
    r"Activate|activated|Log|logged|Statistics|Cost|Lines|line|lines|Salesperson|Tasks?|"
    r"task|tasks|before|deleting|has no|added to|Interactions)\b"
)


def assert_no_english(locator):
    """The text of ``locator`` holds none of the English words above."""
    text = locator.inner_text()
    found = sorted(set(ENGLISH.findall(text)))
    assert found == [], f"English in the Dutch page: {found}\n{text}"


def _main(page):
    return page.locator("main")


def _success(page):
    return page.locator(".alert-success")


def _figure(scope, label):
    """The value shown beside ``label`` in a definition list of figures."""
    return scope.locator(f'dt:text-is("{label}") + dd')


def _field(scope, label):
    """A form control by its exact label; required fields carry a trailing asterisk."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))


def switch_to_dutch(page):
    """Choose *Nederlands* with the language switcher in the top bar, as a user does."""
    page.get_by_label("Language").select_option(label="Nederlands")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()


@pytest.fixture
def nl(page, transactional_db):
    """Logged in as a marketing manager who chose Dutch before: the language is kept
    on the user and applied at login (core.middleware), so the pages are Dutch at
    once. ``test_1_…`` makes that choice with the switcher."""
    user = UserFactory(username="beheerder", role=roles.MARKETING_MANAGER)
    UserPreference.objects.create(user=user, language="nl")
    page.goto(f"{page.base_url}/login/")
    page.get_by_label("Username").fill("beheerder")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{page.base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    return page


def _open_menu(page, group, item):
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("button", name=group).click()
    menu.get_by_role("link", name=item, exact=True).click()


def _company_world():
    """Two company customers with a buyer each, and an item."""
    world = World()
    bakker = world.company("Bakkerij Bol", relations=["KLANT"])
    visser = world.company("Visserij Vos", relations=["KLANT"])
    world.person("Anna de Bakker", bakker, jobs=["INKOOP"])
    world.person("Wim Visser", visser, jobs=["INKOOP"])
    world.person("Piet Verkoop", bakker, jobs=["VERKOOP"])
    customers = {
        "bakker": create_customer_from_contact(contact=bakker),
        "visser": create_customer_from_contact(contact=visser),
    }
    stoel = ItemFactory(description="Bureaustoel", unit_price=Decimal("100.00"))
    return world, customers, stoel


# --- 1. Campagnestatuscodes instellen --------------------------------------------------------


def test_1_campagnestatuscodes_instellen(login):
    page = login()  # in English: the user switches to Dutch, which is kept on the user
    switch_to_dutch(page)
    assert UserPreference.objects.get(user__username="manager").language == "nl"
    _open_menu(page, "Instellingen", "Campagnestatussen")
    expect(page.locator("h1")).to_contain_text("Campagnestatus")
    page.get_by_role("link", name="Nieuw").first.click()
    page.get_by_label("Code").fill("1-plan")
    page.get_by_label("Omschrijving").fill("Gepland")
    assert_no_english(_main(page))
    page.get_by_role("button", name="Opslaan").click()
    expect(_success(page)).to_contain_text("1-PLAN")
    assert_no_english(_success(page))
    page.get_by_role("navigation", name="Kruimelpad").get_by_role(
        "link", name="Campagnestatussen"
    ).click()
    expect(page.get_by_role("row", name=re.compile("1-PLAN"))).to_contain_text("Gepland")
    assert_no_english(_main(page))
    screenshot(page, "nl-01-campagnestatus")
    assert CampaignStatus.objects.filter(code="1-PLAN", description="Gepland").exists()


# --- 2. Een campagnekaart maken --------------------------------------------------------------


def test_2_campagnekaart_maken_en_in_het_overzicht_zien(nl):
    page = nl
    CampaignStatusFactory(code="1-PLAN", description="Gepland")
    jan = SalespersonFactory(code="JB", name="Jan de Boer")
    _open_menu(page, "Campagnes", "Campagnes")
    page.get_by_role("link", name="Nieuw").first.click()
    page.get_by_label("Omschrijving").fill("Voorjaarsactie stoelen")
    page.get_by_label("Statuscode").select_option(label="1-PLAN")
    page.get_by_label("Begindatum").fill("2026-03-01")
    page.get_by_label("Einddatum").fill("2026-03-31")
    page.get_by_label("Verkoper").select_option(label="JB Jan de Boer")
    assert_no_english(_main(page))
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("h1")).to_contain_text("CP0001")
    expect(_success(page)).to_be_visible()
    assert_no_english(_success(page))
    factbox = page.get_by_role("complementary")
    expect(factbox).to_contain_text("Jan de Boer")
    expect(factbox).to_contain_text(re.compile(r"0?1[- ](03|mrt)[- ]2026"))  # Dutch date

    # The campaign list: general information on every campaign.
    page.get_by_role("navigation", name="Kruimelpad").get_by_role("link", name="Campagnes").click()
    row = page.get_by_role("row", name=re.compile("CP0001"))
    expect(row).to_contain_text("Voorjaarsactie stoelen")
    expect(row).to_contain_text("1-PLAN")
    assert_no_english(page.locator("main table thead"))
    screenshot(page, "nl-02-campagnes")
    campaign = Campaign.objects.get()
    assert campaign.status.code == "1-PLAN"
    assert (campaign.no, campaign.salesperson) == ("CP0001", jan)
    assert campaign.starting_date.isoformat() == "2026-03-01"


# --- 3. Campagneposten verwijderen -----------------------------------------------------------


def test_3_alleen_geannuleerde_campagneposten_verwijderen(nl):
    page = nl
    world = World()
    campaign = CampaignFactory(description="Najaarsmailing")
    template = make_template("BRIEF", CorrespondenceType.HARD_COPY, description="Brief")
    segment = _segment_of_persons(world, campaign, template, "Brievenbus")
    log_segment(segment=segment)
    entry = CampaignEntry.objects.get(campaign=campaign)

    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Posten", exact=True).click()
    page.get_by_role("row", name=re.compile("Brievenbus")).get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Campagnepost")
    assert_no_english(_main(page))

    # Not canceled: deleting is refused, in Dutch.
    page.get_by_role("link", name="Verwijderen").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text(
        f"Campagnepost {entry.pk} is niet geannuleerd. Annuleer de post voordat u deze verwijdert."
    )
    assert_no_english(refusal)
    screenshot(page, "nl-03a-verwijderen-geweigerd")

    # Cancel the entry, then delete it.
    page.get_by_role("link", name="Post annuleren").click()
    page.get_by_role("button", name="Ja").click()
    expect(_success(page)).to_contain_text("geannuleerd")
    assert_no_english(_success(page))
    expect(page.locator(".page-header")).to_contain_text("Geannuleerd")
    page.get_by_role("link", name="Verwijderen").click()
    page.get_by_role("button", name="Ja, verwijderen").click()
    expect(_success(page)).to_contain_text("verwijderd")
    assert_no_english(_success(page))
    screenshot(page, "nl-03b-post-verwijderd")
    assert not CampaignEntry.objects.filter(pk=entry.pk).exists()
    assert not InteractionLogEntry.objects.filter(campaign=campaign).exists()


def _segment_of_persons(world, campaign, template, description, **header):
    """A segment of the campaign with two persons of one company, taking ``template``."""
    company = world.company("Kantoor Kok", city="Utrecht")
    for name in ("Els Kok", "Bas Kok"):
        world.person(name, company, email=f"{name.split()[0].lower()}@kok.example")
    segment = Segment(
        description=description, campaign=campaign, interaction_template=template, **header
    )
    segment_services.save_segment(segment=segment)
    segment_services.add_contacts(segment=segment, filters={"type": "person"})
    return segment


# --- 4. De doelgroep kiezen ------------------------------------------------------------------


def test_4_doelgroep_kiezen_segment_met_contacten(nl):
    page = nl
    _company_world()
    campaign = CampaignFactory(description="Voorjaarsactie")
    _open_menu(page, "Segmenten", "Segmenten")
    page.get_by_role("link", name="Nieuw").first.click()
    page.get_by_label("Omschrijving").fill("Inkopers")
    page.get_by_label("Campagne", exact=True).select_option(label=str(campaign))
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("h1")).to_contain_text("SEG00001")
    assert_no_english(_success(page))

    page.get_by_role("link", name="Contacten toevoegen").click()
    page.get_by_label("Soort", exact=True).select_option(label="Persoon")
    page.get_by_label("INKOOP").check()
    assert_no_english(page.locator("main form"))
    page.get_by_role("button", name="Contacten toevoegen").click()
    expect(_success(page)).to_contain_text("2 contacten aan het segment toegevoegd")
    assert_no_english(_success(page))
    lines = page.get_by_role("region", name="Regels")
    for name in ("Anna de Bakker", "Wim Visser"):
        expect(lines.get_by_role("row", name=re.compile(name))).to_be_visible()
    expect(lines.get_by_role("row", name=re.compile("Piet Verkoop"))).to_have_count(0)
    assert_no_english(_main(page))
    screenshot(page, "nl-04-doelgroep")
    segment = Segment.objects.get()
    assert segment.campaign == campaign
    assert set(
        SegmentLine.objects.filter(segment=segment).values_list("contact__name", "campaign")
    ) == {
        ("Anna de Bakker", campaign.pk),
        ("Wim Visser", campaign.pk),
    }


# --- 5. Kortingspercentages vastleggen -------------------------------------------------------


def test_5_kortingspercentages_vastleggen_vanaf_de_campagnekaart(nl):
    page = nl
    stoel = ItemFactory(description="Bureaustoel", unit_price=Decimal("100.00"))
    campaign = CampaignFactory(description="Stoelenactie")
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Verkoopregelkortingen", exact=True).click()
    page.get_by_role("link", name="Nieuw").first.click()
    expect(page.get_by_label("Verkooptype")).to_have_value("campaign")
    expect(_field(page, "Soort")).to_have_value("item")
    _field(page, "Code").fill(stoel.no)
    page.get_by_label("Regelkorting %").fill("12,5")
    assert_no_english(_main(page))
    page.get_by_role("button", name="Opslaan").click()
    expect(_success(page)).to_contain_text(stoel.no)
    assert_no_english(_success(page))
    screenshot(page, "nl-05-regelkorting")
    discount = SalesLineDiscount.objects.get()
    assert (discount.sales_type, discount.sales_code, discount.code) == (
        SalesType.CAMPAIGN,
        campaign.no,
        stoel.no,
    )
    assert discount.line_discount_percent == Decimal("12.5")


# --- 6. Verkoopprijzen -----------------------------------------------------------------------


def test_6_verkoopprijzen_vanaf_de_campagnekaart(nl):
    page = nl
    stoel = ItemFactory(description="Bureaustoel", unit_price=Decimal("100.00"))
    campaign = CampaignFactory(description="Stoelenactie")
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Verkoopprijzen", exact=True).click()
    page.get_by_role("link", name="Nieuw").first.click()
    expect(page.get_by_label("Verkooptype")).to_have_value("campaign")
    page.get_by_label("Artikelnr.").fill(stoel.no)
    page.get_by_label("Eenheidsprijs").fill("79,95")
    assert_no_english(_main(page))
    page.get_by_role("button", name="Opslaan").click()
    expect(_success(page)).to_contain_text(stoel.no)
    assert_no_english(_success(page))
    screenshot(page, "nl-06-verkoopprijs")
    price = SalesPrice.objects.get()
    assert (price.sales_type, price.sales_code, price.item) == (
        SalesType.CAMPAIGN,
        campaign.no,
        stoel,
    )
    assert price.unit_price == Decimal("79.95")


# --- 7. Activeren ----------------------------------------------------------------------------


def test_7_activeren_pas_na_campagnedoel(nl):
    page = nl
    world, customers, stoel = _company_world()
    campaign = CampaignFactory(description="Stoelenactie", starting_date=None, ending_date=None)
    SalesPrice.objects.create(
        item=stoel,
        sales_type=SalesType.CAMPAIGN,
        sales_code=campaign.no,
        unit_price=Decimal("80.00"),
    )
    segment = Segment(description="Klanten", campaign=campaign)
    segment_services.save_segment(segment=segment)
    segment_services.add_contacts(segment=segment, filters={"type": "company"})

    # Without any Campagnedoel activating is refused, in Dutch.
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Verkoopprijzen/regelkortingen activeren").click()
    page.get_by_role("button", name="Ja").click()
    refusal = page.locator(".alert-danger, .invalid-feedback, [role=alert]").filter(
        has_text="heeft geen doelen"
    )
    expect(refusal.first).to_contain_text(f"Campagne {campaign.no} heeft geen doelen")
    assert_no_english(refusal.first)
    screenshot(page, "nl-07a-geen-doelen")
    assert not CampaignTarget.objects.exists()

    # Campagnedoel on the segment card's Campagne section: the lines follow.
    page.goto(f"{page.base_url}{segment.get_absolute_url()}")
    page.get_by_label("Campagnedoel", exact=True).check()
    expect(_main(page)).to_contain_text("regels")
    assert_no_english(_main(page))
    page.get_by_role("button", name="Ja, regels bijwerken").click()
    lines = page.get_by_role("region", name="Regels")
    for name in ("Bakkerij Bol", "Visserij Vos"):
        expect(
            lines.get_by_role("row", name=re.compile(name)).get_by_role(
                "checkbox", name=f"Campagnedoel: {name}"
            )
        ).to_be_checked()

    expect(page.get_by_label("Campagnedoel", exact=True)).to_be_checked()
    campagne = page.get_by_role("region", name="Campagne", exact=True)
    expect(_figure(campagne, "Campagnedoel")).to_have_text("Ja")
    assert_no_english(_main(page))
    assert Segment.objects.get().campaign_target is True
    assert SegmentLine.objects.filter(campaign_target=True).count() == 2

    # Not for Visserij Vos: untick its line.
    with page.expect_response(re.compile(r"/toggle-target/$")):
        lines.get_by_role("checkbox", name="Campagnedoel: Visserij Vos").uncheck()
    expect(lines.get_by_role("checkbox", name="Campagnedoel: Visserij Vos")).not_to_be_checked()
    screenshot(page, "nl-07b-campagnedoel")

    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Verkoopprijzen/regelkortingen activeren").click()
    assert_no_english(_main(page))
    page.get_by_role("button", name="Ja").click()
    expect(_success(page)).to_contain_text(f"Campagne {campaign.no} is nu geactiveerd (1 doel)")
    assert_no_english(_success(page))
    expect(page.locator(".page-header")).to_contain_text("Geactiveerd")
    screenshot(page, "nl-07c-geactiveerd")
    assert set(CampaignTarget.objects.values_list("customer", flat=True)) == {
        customers["bakker"].pk
    }
    assert SegmentLine.objects.get(contact__name="Visserij Vos").campaign_target is False


# --- 8. Campagnes uitvoeren ------------------------------------------------------------------


def test_8_campagne_uitvoeren_registreren_en_statistieken(nl):
    page = nl
    world = World()
    campaign = CampaignFactory(description="Voorjaarsmailing")
    brief = make_template(
        "BRIEF",
        CorrespondenceType.HARD_COPY,
        description="Brief",
        unit_cost=Decimal("2.50"),
        unit_duration=Decimal("5"),
    )
    segment = _segment_of_persons(world, campaign, brief, "Voorjaarsbrief", campaign_target=True)

    page.goto(f"{page.base_url}{segment.get_absolute_url()}")
    page.get_by_role("link", name="Segment registreren").click()
    assert_no_english(_main(page))
    page.get_by_role("button", name="Registreren", exact=True).click()
    page.wait_for_url(re.compile(r"/logged-segments/\d+/$"))
    expect(_success(page)).to_contain_text("2 interacties")
    assert_no_english(_success(page))
    screenshot(page, "nl-08a-geregistreerd")
    assert InteractionLogEntry.objects.filter(campaign=campaign).count() == 2

    # Els answers: a response segment, registered too (with the services).
    antwoord = make_template(
        "ANTWOORD",
        CorrespondenceType.HARD_COPY,
        description="Antwoord",
        unit_cost=Decimal("0.50"),
        unit_duration=Decimal("10"),
        information_flow="inbound",
        initiated_by="them",
    )
    response = Segment(
        description="Antwoorden",
        campaign=campaign,
        interaction_template=antwoord,
        campaign_response=True,
    )
    segment_services.save_segment(segment=response)
    segment_services.add_contacts(segment=response, filters={"name": "Els Kok"})
    log_segment(segment=response)

    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Statistieken", exact=True).click()
    figures = page.get_by_role("region", name="Cijfers")
    for label, value in [
        ("Benaderde doelcontacten", "2"),
        ("Contacten met reactie", "1"),
        ("Reactiepercentage (%)", "50,0"),
        ("Kosten", "5,50"),
        ("Gemiddelde kosten per reactie", "5,50"),
        ("Duur (min.)", "20,0"),
    ]:
        expect(_figure(figures, label)).to_have_text(value)
    assert_no_english(figures.locator("dl").first)  # the figures of the procedure
    screenshot(page, "nl-08b-statistieken")
    assert (
        InteractionLogEntry.objects.filter(campaign=campaign, campaign_response=True).count() == 1
    )


# --- 9. Activiteiten toewijzen ---------------------------------------------------------------


def test_9_activiteit_toewijzen_aan_verkoper_en_team(nl):
    page = nl
    today = timezone.localdate()
    activity = Activity.objects.create(code="BEURS", description="Beursopvolging")
    for step_no, kind, description, formula in [
        (1, TaskType.PHONE_CALL, "Bellen na de beurs", "2D"),
        (2, TaskType.MEETING, "Demonstratie", "1W"),
    ]:
        ActivityStep.objects.create(
            activity=activity,
            step_no=step_no,
            type=kind,
            description=description,
            date_formula=formula,
        )
    jan = SalespersonFactory(code="JB", name="Jan de Boer")
    team = TeamFactory(code="BINNEN", name="Binnendienst")
    for code, name in [("EV", "Eva Vink"), ("OK", "Otto Kraai")]:
        TeamMemberFactory(team=team, salesperson=SalespersonFactory(code=code, name=name))
    campaign = CampaignFactory(description="Beurs Utrecht", salesperson=jan)

    # To the campaign's salesperson (filled in already).
    page.goto(f"{page.base_url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="Activiteit toewijzen").first.click()
    assert_no_english(_main(page))
    _field(page, "Activiteit").select_option(label=str(activity))
    page.get_by_label("Startdatum").fill(today.isoformat())
    expect(page.get_by_label("Verkoper", exact=True)).to_have_value(str(jan.pk))
    page.get_by_role("button", name="Activiteit toewijzen").click()
    expect(_success(page)).to_contain_text("2 taken")
    assert_no_english(_success(page))
    expect(page.get_by_role("region", name="Taken per verkoper")).to_contain_text("Jan de Boer")
    assert Task.objects.filter(campaign=campaign, salesperson=jan).count() == 2

    # To a team: choosing the team empties the salesperson filled in from the campaign.
    page.get_by_role("link", name="Activiteit toewijzen").first.click()
    _field(page, "Activiteit").select_option(label=str(activity))
    page.get_by_label("Startdatum").fill((today + timedelta(days=7)).isoformat())
    expect(page.get_by_label("Verkoper", exact=True)).to_have_value(str(jan.pk))
    page.get_by_label("Team", exact=True).select_option(label=str(team))
    expect(page.get_by_label("Verkoper", exact=True)).to_have_value("")
    page.get_by_role("button", name="Activiteit toewijzen").click()
    expect(_success(page)).to_contain_text("taken")
    assert_no_english(_success(page))
    screenshot(page, "nl-09-activiteit-toegewezen")
    team_tasks = Task.objects.filter(campaign=campaign, team=team)
    assert team_tasks.count() >= 2
    assert set(
        Task.objects.filter(campaign=campaign, team=team, salesperson__isnull=False).values_list(
            "salesperson__code", flat=True
        )
    ) == {"EV", "OK"}
    assert Task.objects.filter(campaign=campaign, salesperson=jan).count() == 2
