"""The one generic way to build list, card, edit, delete and action pages.

Every app configures these bases (model, queryset, filterset, table, form,
sections, sub-lists) instead of writing its own views. URL names follow
``<app>:<model>_<list|card|create|edit|delete|...>`` with the business key as
``key`` (see ``core.models.CardUrlMixin``); templates follow
``<app>/<model>_<kind>.html`` with the generic page as the fallback.
"""

from core.generic_views.actions import ConfirmActionView
from core.generic_views.base import KeyObjectMixin, ModelPermissionMixin, PageMixin
from core.generic_views.cards import RecordCardView, SubList
from core.generic_views.exports import stream_csv, table_export_rows
from core.generic_views.forms import (
    FormPageMixin,
    QueryInitialMixin,
    RecordCreateView,
    RecordDeleteView,
    RecordUpdateView,
    query_value,
)
from core.generic_views.lists import RecordListView

__all__ = [
    "ConfirmActionView",
    "FormPageMixin",
    "KeyObjectMixin",
    "ModelPermissionMixin",
    "PageMixin",
    "QueryInitialMixin",
    "RecordCardView",
    "RecordCreateView",
    "RecordDeleteView",
    "RecordListView",
    "RecordUpdateView",
    "SubList",
    "query_value",
    "stream_csv",
    "table_export_rows",
]
