"""The base of every list filter: a ``q`` search box over ``search_fields``."""

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class YesNoWidget(django_filters.widgets.BooleanWidget):
    """Any / Yes / No instead of django-filter's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class YesNoFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoWidget())
        super().__init__(*args, **kwargs)


class SearchFilterSet(django_filters.FilterSet):
    """FilterSet with a free-text search over the fields named in ``search_fields``."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": YesNoFilter},
    }

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)
