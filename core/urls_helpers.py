"""URL patterns for the standard pages of a model."""

from django.urls import path


def record_urls(model, *, list=None, card=None, create=None, edit=None, delete=None):  # noqa: A002
    """``""`` list, ``new/`` create, ``<key>/`` card, ``<key>/edit/``, ``<key>/delete/``."""
    name = model._meta.model_name
    patterns = []
    if list:
        patterns.append(path("", list.as_view(), name=f"{name}_list"))
    if create:
        patterns.append(path("new/", create.as_view(), name=f"{name}_create"))
    if card:
        patterns.append(path("<str:key>/", card.as_view(), name=f"{name}_card"))
    if edit:
        patterns.append(path("<str:key>/edit/", edit.as_view(), name=f"{name}_edit"))
    if delete:
        patterns.append(path("<str:key>/delete/", delete.as_view(), name=f"{name}_delete"))
    return patterns
