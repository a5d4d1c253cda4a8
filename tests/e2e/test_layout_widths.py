"""Every page fits its window (docs/lists.md, Layout at every width): no list or card
page scrolls sideways at 1920, 1400, 1280 or 390 px, in English or in Dutch, and no
table hides columns behind a scroll bar of its own.

The pages are found from the URL patterns, so a new list or card is measured without
being named here: every URL without arguments whose name ends in ``_list`` (and the
home page and My tasks), and every ``<model>_card`` opened on one record of its model
(the card's view names the model). The data is the demo data set with long texts
written over its names, descriptions and subjects, so that tables must truncate.

One browser context per language; each page is loaded once and measured at the four
widths by resizing the window (media queries apply as on a fresh load).
"""

import io
import os

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Left
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.models import AuditAction, AuditEntry, Job, UserPreference
from segments.models import Segment
from segments.services import save_criteria
from tests.e2e.conftest import PASSWORD

WIDTHS = (1920, 1400, 1280, 390)
LANGUAGES = ("en", "nl")
# From this width up no table may scroll inside its own box (docs/lists.md).
NO_INNER_SCROLL_FROM = 1280
# Pages that take arguments besides a card's key, measured too.
EXTRA_PAGES = {"campaigns:campaign_statistics": "campaigns.Campaign"}
# Long texts: words (they must wrap or be cut with an ellipsis) and one long unbroken token.
LONG_WORDS = (
    "Internationale samenwerkingsovereenkomst voor duurzame kantoorinrichting en "
    "ergonomische werkplekadviezen in de Benelux "
)
LONG_EMAIL = "purchasing.department.headquarters@international-office-furniture.example.com"
LONG_FIELDS = {"name", "description", "subject", "address", "city", "job_title", "detail"}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, pattern


def _own_model(model) -> bool:
    return model._meta.app_config.path.startswith(str(settings.BASE_DIR))


def _record_url(name: str, model) -> str:
    record = model._default_manager.order_by("pk").first()
    assert record is not None, f"no {model._meta.label} to open {name} with: seed one"
    key = getattr(record, getattr(model, "url_key", "pk"))
    return reverse(name, kwargs={"key": key})


def pages_to_measure() -> list[str]:
    """The URLs of every list and card page (and the home page)."""
    urls = [reverse("home"), reverse("activities:my_tasks")]
    cards = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith(("admin:", "api:")):  # the API answers JSON, not pages
            continue
        view = getattr(pattern.callback, "view_class", None)
        converters = pattern.pattern.converters
        if name.endswith("_list") and not converters:
            urls.append(reverse(name))
        elif name.endswith("_card") and set(converters) == {"key"}:
            model = getattr(view, "model", None)
            assert model is not None, f"{name}: the card's view names no model"
            cards.append(_record_url(name, model))
    for name, label in EXTRA_PAGES.items():
        cards.append(_record_url(name, apps.get_model(label)))
    return urls + cards


def _lengthen_texts() -> None:
    """Write long texts over the names and descriptions of every record (kept
    distinct: the old text follows), and a long e-mail address on one contact."""
    for model in apps.get_models():
        if not _own_model(model) or model._meta.model_name.startswith("historical"):
            continue
        updates = {}
        for field in model._meta.concrete_fields:
            if (
                field.name in LONG_FIELDS
                and isinstance(field, models.CharField)
                and not field.unique
                and not field.choices
                and field.max_length >= 50
            ):
                text = Concat(Value(LONG_WORDS), F(field.name))
                updates[field.name] = Left(text, field.max_length)
        if updates:
            model._default_manager.update(**updates)
    contact = apps.get_model("contacts", "Contact")
    first = contact.objects.order_by("pk").first()
    contact.objects.filter(pk=first.pk).update(email=LONG_EMAIL)


def _seed_what_the_demo_lacks(user) -> None:
    """A failed job, an audit entry and saved segment criteria: the demo has none."""
    segment = Segment.objects.filter(criteria_actions__isnull=False).order_by("pk").first()
    save_criteria(segment=segment, code="LONGCRIT", description=LONG_WORDS[:100], user=user)
    now = timezone.now()
    Job.objects.create(
        kind=Job.Kind.CONTACT_IMPORT,
        description=(LONG_WORDS * 2)[:200],
        user=user,
        state=Job.State.FAILED,
        created_at=now,
        started_at=now,
        finished_at=now,
        error=LONG_WORDS * 4,
    )
    AuditEntry.objects.create(
        user=user,
        action=AuditAction.choices[0][0],
        object_repr=LONG_WORDS[:200],
        count=12345,
        detail=(LONG_WORDS * 2)[:300],
    )


@pytest.fixture
def users(transactional_db, monkeypatch):
    """The demo data with long texts, and a user per language who sees every page."""
    monkeypatch.setitem(os.environ, "DEMO_PASSWORD", PASSWORD)
    call_command("demo", stdout=io.StringIO())
    User = get_user_model()
    logins = {}
    for language in LANGUAGES:
        user = User.objects.create_superuser(
            username=f"layout-{language}",
            password=PASSWORD,
            email=f"layout-{language}@example.com",
            first_name="Alexandra",
            last_name="Vandenbroucke-Hoogendoorn",
        )
        UserPreference.objects.update_or_create(user=user, defaults={"language": language})
        logins[language] = user
    _seed_what_the_demo_lacks(logins["en"])
    _lengthen_texts()
    return logins


MEASURE = """(inner) => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const describe = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    if (el.classList.length) text += "." + Array.from(el.classList).slice(0, 3).join(".");
    return text;
  };
  const result = {scrollWidth: root.scrollWidth, width, lang: root.lang, wide: [], inner: []};
  if (root.scrollWidth > width) {
    for (const el of document.querySelectorAll("body *")) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 1) {
        // Report the outermost ones only (their children follow them out).
        const parent = el.parentElement;
        if (parent && parent.getBoundingClientRect().right > width + 1) continue;
        result.wide.push(describe(el) + " right=" + Math.round(box.right));
        if (result.wide.length >= 5) break;
      }
    }
  }
  if (inner) {
    // Any box around a table that scrolls sideways (.table-responsive or another).
    const boxes = new Set();
    for (const table of document.querySelectorAll("table")) {
      if (table.offsetParent === null) continue;
      for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
        const overflow = getComputedStyle(el).overflowX;
        if ((overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1) {
          boxes.add(el);
        }
      }
    }
    for (const el of boxes) {
      result.inner.push(describe(el) + " " + el.scrollWidth + ">" + el.clientWidth);
    }
  }
  return result;
}"""


@pytest.mark.long
def test_every_list_and_card_page_fits_its_window_in_both_languages(browser, live_server, users):
    urls = pages_to_measure()
    problems = []
    for language, user in users.items():
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form [type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        for url in urls:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(f"{live_server.url}{url}")
            assert response.ok, f"{url} ({language}): HTTP {response.status}"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                found = page.evaluate(MEASURE, width >= NO_INNER_SCROLL_FROM)
                assert found["lang"] == language, f"{url} is not in {language}"
                where = f"{url} at {width} px ({language})"
                if found["scrollWidth"] > found["width"]:
                    problems.append(
                        f"{where}: the page is {found['scrollWidth']} px wide: "
                        + ", ".join(found["wide"])
                    )
                problems += [f"{where}: a table scrolls inside {box}" for box in found["inner"]]
        context.close()
    assert not problems, f"{len(problems)} page views do not fit:\n" + "\n".join(problems)
