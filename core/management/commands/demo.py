"""Load the demo data set (idempotent) and print the demo login.

Each app contributes its part through a ``demo`` module with a ``load(stdout)``
function, called in dependency order; running the command twice changes nothing
but the demo user's password.

``--language nl`` loads the data in Dutch: the codes the home page's guide names
(``2-ACTIEF``), descriptions, stages, templates and items are the catalogue's
translations of the English demo texts, and the demo logins start in Dutch. The
demo modules mark their texts for translation (lazily, at module level) and the
command runs them inside ``translation.override``; data already in the database
keeps the language it was loaded in (docs/operations.md).

``--contacts N`` then adds the bulk data set (performance tests, demos at scale):
each app's ``demo_bulk`` module has a ``load_bulk(n, stdout, **sizes)`` function
that generates its tables set-based (see ``core.demo_bulk``), all in one
transaction. When a module's ``is_loaded()`` says the bulk data is already there,
nothing is added.
"""

import os
import secrets
import time
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation

from core import roles
from core.demo_bulk import bulk_session
from core.management.base import OperatorCommand, Report
from core.models import UserPreference

DEMO_USER = "demo"
# One login per role, to try the permissions (same password as the demo user).
ROLE_USERS = {
    "manager": roles.MARKETING_MANAGER,
    "staff": roles.MARKETING_STAFF,
    "sales": roles.SALESPERSON,
    "viewer": roles.READ_ONLY,
}


def row_counts() -> dict[str, int]:
    """Rows per model of the project's apps and the users (the JSON summary)."""
    counts = {}
    for model in apps.get_models():
        own_app = Path(model._meta.app_config.path).parent == settings.BASE_DIR
        if own_app or model is get_user_model():
            counts[model._meta.label_lower] = model._default_manager.count()
    return counts


class Command(OperatorCommand):
    help = "Load the demo data set (idempotent) and print the demo login."

    def add_command_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has users (used by `make run`).",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="The language of the demo data, and the language the demo logins start in "
            f"(default: the site's language, {settings.LANGUAGE_CODE}).",
        )
        parser.add_argument(
            "--contacts",
            type=int,
            default=0,
            metavar="N",
            help="Also generate N bulk contacts with codes, customers, items and prices.",
        )
        parser.add_argument(
            "--items",
            type=int,
            default=5000,
            help="Bulk items generated with --contacts (default 5,000).",
        )
        parser.add_argument(
            "--prices",
            type=int,
            default=200000,
            help="Bulk sales prices generated with --contacts (default 200,000).",
        )

    def run(self, **options) -> Report:
        if min(options["contacts"], options["items"], options["prices"]) < 0:
            raise CommandError("--contacts, --items and --prices cannot be negative.")
        # With --json stdout is the JSON object only: the running commentary goes to stderr.
        self.log = self.stderr if options["json"] else self.stdout
        User = get_user_model()
        if options["if_empty"] and User.objects.exists():
            return Report(
                summary={"loaded": False, "rows_added": {}},
                lines=[
                    f"Database not empty: demo data not loaded. Log in as '{DEMO_USER}' with "
                    "the password printed when it was loaded (run `manage.py demo` to set a "
                    "new one)."
                ],
            )
        before = row_counts()
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        with (
            transaction.atomic(),
            translation.override(options["language"] or settings.LANGUAGE_CODE),
        ):
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError:
                    continue
                module.load(stdout=self.log if options["verbosity"] >= 2 else None)
            # Then the history that needs every app's demo data (e.g. the showcase
            # campaign's weeks of interactions, opportunities and quotes).
            for config in apps.get_app_configs():
                name = f"{config.name}.demo_history"
                try:
                    module = import_module(name)
                except ModuleNotFoundError as error:
                    if error.name != name:
                        raise
                    continue
                module.load(stdout=self.log if options["verbosity"] >= 2 else None)
            self._users(User, password, options["language"])
        lines = ["Demo data loaded."]
        if options["contacts"] > 0:
            lines += self._bulk(options)
        added = {
            label: count - before.get(label, 0)
            for label, count in row_counts().items()
            if count != before.get(label, 0)
        }
        lines += [
            f"Demo login: {DEMO_USER} / {password}",
            "Role logins with the same password: "
            + ", ".join(f"{name} ({role})" for name, role in ROLE_USERS.items()),
        ]
        return Report(
            summary={
                "loaded": True,
                "rows_added": added,
                "logins": [DEMO_USER, *ROLE_USERS],
                "password": password,
            },
            lines=lines,
        )

    def _bulk(self, options) -> list[str]:
        """Each app's ``demo_bulk`` part, in dependency order, in one transaction."""
        modules = []
        for config in apps.get_app_configs():
            name = f"{config.name}.demo_bulk"
            try:
                module = import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:
                    raise  # a demo_bulk module that fails to import is a bug
                continue
            if hasattr(module, "load_bulk"):  # core.demo_bulk is the toolkit
                modules.append(module)
        if any(module.is_loaded() for module in modules if hasattr(module, "is_loaded")):
            return [
                "Bulk demo data is already loaded: nothing added. "
                "Start from an empty database for another size."
            ]
        stdout = self.log if options["verbosity"] >= 1 else None
        sizes = {"items": options["items"], "prices": options["prices"]}
        started = time.perf_counter()
        with bulk_session():
            with transaction.atomic():
                for module in modules:
                    if stdout:
                        stdout.write(f"{module.__name__}:")
                    module.load_bulk(options["contacts"], stdout=stdout, **sizes)
                committing = time.perf_counter()
            if stdout:
                stdout.write(f"commit: {time.perf_counter() - committing:.1f} s")
        return [
            f"Bulk demo data loaded: {options['contacts']:,} contacts "
            f"in {time.perf_counter() - started:.1f} s."
        ]

    def _users(self, User, password, language):
        demo, _ = User.objects.get_or_create(
            username=DEMO_USER, defaults={"first_name": "Demo", "last_name": "User"}
        )
        demo.is_staff = demo.is_superuser = True
        demo.set_password(password)
        # An address of their own, so that *Send a test to me* works for the demo logins.
        demo.email = demo.email or f"{DEMO_USER}@example.com"
        demo.save()
        for username, role in ROLE_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.email = user.email or f"{username}@example.com"
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        if language is None:
            return
        # The logins start in the language asked for (the switcher changes it later).
        for user in User.objects.filter(username__in=[DEMO_USER, *ROLE_USERS]):
            UserPreference.objects.update_or_create(user=user, defaults={"language": language})
