"""What every generic page has: the permission check, the record found by its
business key, the title, breadcrumbs and template."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst


class ModelPermissionMixin(PermissionRequiredMixin):
    """Check ``<app>.<permission_action>_<model>`` unless ``permission_required`` is set.

    A logged-in user without the permission gets 403; anonymous users never get
    here (``LoginRequiredMiddleware`` sends them to the login page).
    """

    raise_exception = True
    permission_action = "view"

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        meta = self.model._meta
        return [f"{meta.app_label}.{self.permission_action}_{meta.model_name}"]


def has_model_perm(user, model, action: str) -> bool:
    meta = model._meta
    return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


def url_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


class KeyObjectMixin:
    """Find the record by the business key in the URL (``url_key`` of the model)."""

    slug_url_kwarg = "key"

    def get_slug_field(self):
        return self.model.url_key

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except (ValueError, ValidationError):
            raise Http404 from None  # e.g. letters where a number key is expected


class PageMixin:
    """Title, breadcrumbs and template of a page.

    The template is ``<app>/<model>_<template_kind>.html`` when the app has one (the
    record's own model, else the view's), else ``generic_template``; a view that names
    ``template_name`` gets that one.
    """

    template_kind = ""
    generic_template = ""

    def get_template_names(self):
        if self.template_name or not self.template_kind:
            return super().get_template_names()
        record = getattr(self, "object", None)
        meta = (record if isinstance(record, models.Model) else self.model)._meta
        return [
            f"{meta.app_label}/{meta.model_name}_{self.template_kind}.html",
            self.generic_template,
        ]

    title: str = ""

    def get_title(self) -> str:
        return str(self.title)

    def list_crumb(self):
        model = self.model
        return (capfirst(model._meta.verbose_name_plural), url_or_none(model.url_name("list")))

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.get_title()
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["model_meta"] = self.model._meta
        return context
