"""The API's permissions: the same codenames as the pages (core/roles.py)."""

from rest_framework import permissions


class ModelPermissions(permissions.DjangoModelPermissions):
    """The model's view permission to read (the pages need it too), add/change/delete
    to write; an action view names its permission in ``required_permission``."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        required = getattr(view, "required_permission", None)
        if required is not None:
            return request.user.has_perm(required)
        return super().has_permission(request, view)
