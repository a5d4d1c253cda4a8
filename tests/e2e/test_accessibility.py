"""Accessibility basics of the main pages, checked in Chromium.

axe-core (vendored in ``tests/e2e/vendor``, see the README there) runs the
WCAG 2 A/AA rules: names of form controls, image alternatives, colour contrast,
ARIA use and more. Besides that, each page is checked for what every page of
this application promises: landmarks (a banner, a labelled main menu, one
``<main>``), exactly one ``<h1>``, a skip link to the main content, and a
visible focus indicator when the keyboard reaches a link or button.

axe is injected with ``page.evaluate``, which the page's Content Security
Policy does not apply to (a ``<script>`` tag would be refused by it).
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from activities.models import Task
from core import roles
from pricing.models import Item, SalesPrice, SalesType
from quotes.models import SalesQuote, SalesQuoteLine
from quotes.services import save_quote_line
from segments import services as segment_services
from segments.models import Segment
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import CampaignFactory, SalespersonFactory, UserFactory, World

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}

# What the page offers besides axe: one result object, read in Python.
PAGE_FACTS = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const h1s = [...document.querySelectorAll('h1')].filter(visible);
  const skip = document.querySelector('body a[href="#main"]');
  return {
    mains: document.querySelectorAll('main').length,
    mainId: document.querySelector('main')?.id || null,
    banners: document.querySelectorAll('body > header, [role=banner]').length,
    navs: [...document.querySelectorAll('nav')].map((nav) => ({
      label: nav.getAttribute('aria-label') || nav.getAttribute('aria-labelledby'),
      html: nav.outerHTML.slice(0, 80),
    })),
    h1s: h1s.map((h) => h.textContent.trim()),
    skipLinkFirst: !!skip && document.querySelector('body a[href]') === skip,
    imagesWithoutAlt: [...document.querySelectorAll('img:not([alt])')].map((i) => i.src),
    controlsWithoutName: [...document.querySelectorAll(
      'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea'
    )].filter((el) => !(
      el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
    )).map((el) => el.outerHTML.slice(0, 80)),
  };
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || el.value || '').trim().slice(0, 40),
    inMain: !!el.closest('main'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
  };
}"""


def _story_data():
    """A small world with one of every record the checked pages show."""
    from contacts.services import create_customer_from_contact

    manager = UserFactory(username="manager", role=roles.MARKETING_MANAGER)
    me = SalespersonFactory(code="MM", name="Mia Manager", user=manager)
    world = World()
    acme = world.company("Acme Office", relations=["CUST"], industry=["RETAIL"], city="Utrecht")
    ann = world.person("Ann Buyer", acme, jobs=["PURCHASE"], email="ann@acme.example")
    customer = create_customer_from_contact(contact=acme)
    today = timezone.localdate()
    campaign = CampaignFactory(
        description="Spring chair promotion",
        starting_date=today,
        ending_date=today + timedelta(days=30),
        salesperson=me,
    )
    segment = Segment.objects.create(description="Purchasers", campaign=campaign)
    segment_services.add_contacts(segment=segment, filters={"type": "person"})
    chair = Item.objects.create(description="Office chair", unit_price=Decimal("100.00"))
    price = SalesPrice.objects.create(
        item=chair,
        sales_type=SalesType.CAMPAIGN,
        sales_code=campaign.no,
        starting_date=campaign.starting_date,
        ending_date=campaign.ending_date,
        unit_price=Decimal("80.00"),
    )
    quote = SalesQuote.objects.create(customer=customer, order_date=today)
    save_quote_line(line=SalesQuoteLine(quote=quote, item=chair, quantity=Decimal("2")))
    Task.objects.create(description="Phone Ann about the chairs", salesperson=me, date=today)
    return {
        "contact": ann,
        "campaign": campaign,
        "segment": segment,
        "price": price,
        "quote": quote,
    }


def _pages(data):
    contact, campaign = data["contact"], data["campaign"]
    return [
        ("home", "/"),
        ("contact-list", "/contacts/"),
        ("contact-card", contact.get_absolute_url()),
        ("contact-edit", f"/contacts/{contact.no}/edit/"),
        ("campaign-list", "/campaigns/"),
        ("campaign-card", campaign.get_absolute_url()),
        ("campaign-edit", f"/campaigns/{campaign.no}/edit/"),
        ("campaign-statistics", f"/campaigns/{campaign.no}/statistics/"),
        ("segment-card", data["segment"].get_absolute_url()),
        ("sales-price-list", "/sales-prices/"),
        ("sales-price-edit", f"/sales-prices/{data['price'].pk}/edit/"),
        ("quote-card", data["quote"].get_absolute_url()),
        ("my-tasks", "/tasks/my/"),
        ("search", "/search/?q=Acme"),
    ]


def _axe_violations(page):
    """One line per failing element: rule, impact, what is wrong."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"axe {violation['id']} ({violation['impact']}): {violation['help']} — "
        f"{', '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def _structure_problems(page):
    facts = page.evaluate(PAGE_FACTS)
    problems = []
    if facts["mains"] != 1:
        problems.append(f"{facts['mains']} <main> elements instead of one")
    if facts["banners"] < 1:
        problems.append("no <header> banner")
    unlabelled = [nav["html"] for nav in facts["navs"] if not nav["label"]]
    if not facts["navs"]:
        problems.append("no <nav>")
    if unlabelled:
        problems.append(f"<nav> without aria-label: {unlabelled}")
    if len(facts["h1s"]) != 1:
        problems.append(f"{len(facts['h1s'])} visible <h1> instead of one: {facts['h1s']}")
    if not facts["skipLinkFirst"] or facts["mainId"] != "main":
        problems.append("no skip link to #main as the first link of the page")
    if facts["imagesWithoutAlt"]:
        problems.append(f"images without alt: {facts['imagesWithoutAlt']}")
    problems += [f"form control without a label: {html}" for html in facts["controlsWithoutName"]]
    return problems


def _focus_problems(page):
    """From the top of the page: Tab reaches the skip link, Enter follows it, and
    the next Tab stops in <main>; every link and button reached there until the
    first button shows a focus indicator."""
    page.evaluate(
        """() => {  // where a keyboard user starts: the top of the document
          document.body.setAttribute('tabindex', '-1');
          document.body.focus();
          document.body.removeAttribute('tabindex');
        }"""
    )
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    if not skip or skip["text"] != "Skip to content":
        return [f"the first Tab does not reach the skip link but {skip}"]
    problems = [] if skip["outline"] or skip["shadow"] else ["the skip link shows no focus"]
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if not focused or not focused["inMain"]:
        return [*problems, f"Tab after the skip link lands outside <main>: {focused}"]
    for _ in range(40):
        if not focused or not focused["inMain"]:
            break  # past the end of <main> without a button: enough seen
        if focused["tag"] in {"a", "button"} and not (focused["outline"] or focused["shadow"]):
            problems.append(f"no visible focus on {focused}")
            break  # one is enough to show the problem
        if focused["tag"] == "button":
            break
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
    return problems


def _check(page, name, report):
    """Add the page's problems to ``report`` (problem -> pages); screenshot a failing page."""
    structure, focus = _structure_problems(page), _focus_problems(page)
    # The pointer off the content: axe measured a button's colours halfway through
    # its hover transition (the mouse was still where the last click happened).
    page.mouse.move(0, 0)
    problems = structure + focus + _axe_violations(page)
    for problem in problems:
        report.setdefault(problem, []).append(name)
    if problems:
        screenshot(page, f"a11y-{name}")


@pytest.mark.long
def test_main_pages_meet_the_accessibility_basics(page, transactional_db):
    data = _story_data()
    report = {}
    page.emulate_media(reduced_motion="reduce")  # no colour transitions half-way

    page.goto(f"{page.base_url}/login/")
    _check(page, "login", report)
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{page.base_url}/")

    for name, path in _pages(data):
        page.goto(f"{page.base_url}{path}")
        _check(page, name, report)

    assert not report, "accessibility problems (and the pages that have them):\n" + "\n".join(
        f"- {problem}\n    on: {', '.join(pages)}" for problem, pages in report.items()
    )
