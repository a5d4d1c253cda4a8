"""Column priorities and long texts in tables (docs/lists.md, Layout at every width): each
column gets a priority class that hides it in a narrow table, unless the user chose the
list's columns; long texts are cut to one line with the full text as their title."""

import django_tables2 as tables
import pytest
from django.urls import reverse

from contacts.models import Contact
from core import remembered_lists
from core.models import ListState
from core.tables import column_priorities, priority_class
from core.templatetags.core_tables import CLIP_AFTER, clip, clipped
from tests.factories import CompanyFactory

CONTACTS = "contacts:contact_list"


class Plain(tables.Table):
    a = tables.Column()
    b = tables.Column()
    c = tables.Column()
    d = tables.Column()
    e = tables.Column()


class Declared(Plain):
    priorities = {"b": 4, "e": 1}


def test_columns_get_priorities_by_place_unless_the_table_names_them():
    assert column_priorities(Plain([])) == {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3}
    assert column_priorities(Declared([])) == {"a": 1, "b": 4, "c": 2, "d": 2, "e": 1}
    table = Declared([])
    assert priority_class(table, "a") == ""
    assert priority_class(table, "b") == "col-p4"
    table = Declared([])
    table.fit_columns = False  # the user chose the columns: shown at every width
    assert priority_class(table, "b") == ""


def test_a_long_text_is_cut_with_its_full_text_as_title_and_stays_escaped():
    short = "Short name"
    assert clipped(short) == short
    long = "Internationale samenwerkingsovereenkomst <b> & co"
    html = clip(long)
    assert 'class="cell-clip"' in html
    assert 'title="Internationale samenwerkingsovereenkomst &lt;b&gt; &amp; co"' in html
    assert "<b>" not in html
    assert len(short) <= CLIP_AFTER < len(long)
    assert clip(None) == ""


@pytest.mark.django_db
def test_the_list_marks_low_priority_columns_until_the_user_chooses_columns(manager_client):
    CompanyFactory(name="A" * 60)
    url = reverse(CONTACTS)
    page = manager_client.get(url, {"q": ""}).content.decode()
    assert "col-p5" in page  # the salesperson column hides in a narrow table
    assert 'title="' + "A" * 60 + '"' in page
    assert 'class="cell-clip"' in page
    # Every column ticked is a choice: every column then shows at every width.
    columns = list(remembered_lists.list_spec(CONTACTS).columns)
    manager_client.post(reverse("core:list_columns"), {"list": CONTACTS, "columns": columns})
    assert ListState.objects.get().columns == columns
    page = manager_client.get(url, {"q": ""}).content.decode()
    assert "col-p" not in page
    # All columns: no choice, priorities again.
    manager_client.post(reverse("core:list_columns"), {"list": CONTACTS, "reset": "1"})
    assert "col-p5" in manager_client.get(url, {"q": ""}).content.decode()
    assert Contact.objects.count() == 1
