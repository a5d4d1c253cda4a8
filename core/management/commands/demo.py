"""Load the demo data set (idempotent) and print the demo login.

Each app contributes its part through a ``demo`` module with a ``load(stdout)``
function, called in dependency order; running the command twice changes nothing
but the demo user's password.
"""

import os
import secrets
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from core import roles

DEMO_USER = "demo"
# One login per role, to try the permissions (same password as the demo user).
ROLE_USERS = {
    "manager": roles.MARKETING_MANAGER,
    "staff": roles.MARKETING_STAFF,
    "sales": roles.SALESPERSON,
    "viewer": roles.READ_ONLY,
}


class Command(BaseCommand):
    help = "Load the demo data set (idempotent) and print the demo login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has users (used by `make run`).",
        )

    def handle(self, *args, **options):
        User = get_user_model()
        if options["if_empty"] and User.objects.exists():
            self.stdout.write(
                f"Database not empty: demo data not loaded. Log in as '{DEMO_USER}' with the "
                "password printed when it was loaded (run `manage.py demo` to set a new one)."
            )
            return
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        with transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError:
                    continue
                module.load(stdout=self.stdout if options["verbosity"] >= 2 else None)
            self._users(User, password)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo login: {DEMO_USER} / {password}")
        self.stdout.write(
            "Role logins with the same password: "
            + ", ".join(f"{name} ({role})" for name, role in ROLE_USERS.items())
        )

    def _users(self, User, password):
        demo, _ = User.objects.get_or_create(
            username=DEMO_USER, defaults={"first_name": "Demo", "last_name": "User"}
        )
        demo.is_staff = demo.is_superuser = True
        demo.set_password(password)
        demo.save()
        for username, role in ROLE_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
