"""A segment's totals (docs/segments.md, Totals): the number of lines and their cost
and duration added up are kept on the segment by every service that changes lines, so
its card shows them without reading the lines."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact
from core.models import AuditAction, AuditEntry
from segments import services
from segments.models import Segment, SegmentLine
from tests.core.test_admin_deletes import delete_selected

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(world, segment):
    """A segment whose lines cost 2.50 and take 5 minutes each: Acme's three persons
    and Bolt's one."""
    acme, bolt = world.company("Acme"), world.company("Bolt")
    for name in ("Ann", "Bob", "Cat"):
        world.person(name, acme)
    world.person("Dan", bolt)
    segment.unit_cost, segment.unit_duration = Decimal("2.50"), Decimal("5.0")
    services.save_segment(segment=segment)
    services.add_contacts(segment=segment, filters={"type": "person"})
    segment.refresh_from_db()
    return segment


def stored(segment):
    segment = Segment.objects.get(pk=segment.pk)
    return segment.line_count, segment.cost_total, segment.duration_total


def counted(segment):
    lines = SegmentLine.objects.filter(segment=segment)
    figures = lines.aggregate(cost=Sum("cost"), duration=Sum("duration"))
    return lines.count(), figures["cost"] or Decimal(0), figures["duration"] or Decimal(0)


def test_adding_and_removing_contacts_keeps_the_totals(priced, world):
    assert stored(priced) == (4, Decimal("10.00"), Decimal("20.0"))
    services.reduce_contacts(segment=priced, filters={"name": "Dan"})
    assert stored(priced) == (3, Decimal("7.50"), Decimal("15.0")) == counted(priced)
    services.go_back(segment=priced)
    assert stored(priced) == (4, Decimal("10.00"), Decimal("20.0")) == counted(priced)


def test_a_line_saved_with_another_cost_changes_the_totals_by_the_difference(priced):
    line = SegmentLine.objects.filter(segment=priced).order_by("pk").first()
    line.cost, line.duration = Decimal("12.75"), Decimal("0.5")
    services.save_line(line=line)
    assert stored(priced) == (4, Decimal("20.25"), Decimal("15.5")) == counted(priced)


def test_a_deleted_line_leaves_the_totals(priced):
    services.delete_line(line=SegmentLine.objects.filter(segment=priced).first())
    assert stored(priced) == (3, Decimal("7.50"), Decimal("15.0")) == counted(priced)


def test_a_new_unit_cost_carried_to_the_lines_changes_the_totals(priced):
    priced = Segment.objects.get(pk=priced.pk)
    priced.unit_cost, priced.unit_duration = Decimal("4.00"), Decimal("1.5")
    services.save_segment(segment=priced, update_lines=True)
    assert stored(priced) == (4, Decimal("16.00"), Decimal("6.0")) == counted(priced)


def test_a_new_unit_cost_kept_off_the_lines_leaves_the_totals(priced):
    priced = Segment.objects.get(pk=priced.pk)
    priced.unit_cost = Decimal("4.00")
    services.save_segment(segment=priced)
    assert stored(priced) == (4, Decimal("10.00"), Decimal("20.0"))


def test_stale_totals_are_corrected_after_contacts_went(priced):
    SegmentLine.objects.filter(segment=priced, contact__name="Dan").delete()
    assert services.refresh_stale_line_totals() == 1
    assert stored(priced) == (3, Decimal("7.50"), Decimal("15.0"))
    SegmentLine.objects.filter(segment=priced).delete()
    services.refresh_stale_line_totals()
    assert stored(priced) == (0, Decimal("0.00"), Decimal("0.0"))


def test_the_card_shows_the_stored_totals_without_adding_up_the_lines(manager_client, priced):
    with CaptureQueriesContext(connection) as queries:
        page = manager_client.get(priced.get_absolute_url()).content.decode()
    assert "10.00" in page
    assert "20.0" in page
    line_table = connection.ops.quote_name(SegmentLine._meta.db_table)
    assert not [q for q in queries if "SUM(" in q["sql"] and line_table in q["sql"]]


def test_the_migration_fills_the_totals_from_the_lines(priced, segment):
    Segment.objects.update(cost_total=0, duration_total=0)
    migration = importlib.import_module("segments.migrations.0006_segment_totals")
    migration.fill_totals(apps, None)
    assert stored(priced) == (4, Decimal("10.00"), Decimal("20.0"))


def test_a_contact_deleted_on_its_card_counts_its_segments_again(manager_client, priced):
    response = manager_client.post(Contact.objects.get(name="Dan").get_url("delete"))
    assert response.status_code == 302
    assert stored(priced) == counted(priced) == (3, Decimal("7.50"), Decimal("15.0"))


def test_a_contact_deleted_in_the_admin_counts_its_segments_again(superuser_client, priced):
    dan = Contact.objects.get(name="Dan")
    url = reverse("admin:contacts_contact_delete", args=[dan.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Contact.objects.filter(pk=dan.pk).exists()
    assert stored(priced) == counted(priced) == (3, Decimal("7.50"), Decimal("15.0"))


def test_contacts_deleted_together_in_the_admin_count_their_segments_again(
    superuser_client, priced
):
    """The admin's *Delete selected* is the contacts' set-based delete service."""
    persons = Contact.objects.filter(name__in=["Bob", "Dan"])
    assert delete_selected(superuser_client, Contact, persons).status_code == 200
    assert not Contact.objects.filter(name__in=["Bob", "Dan"]).exists()
    assert stored(priced) == counted(priced) == (2, Decimal("5.00"), Decimal("10.0"))
    assert AuditEntry.objects.filter(action=AuditAction.RECORDS_DELETED).exists()
