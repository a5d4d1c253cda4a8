"""The four roles of the application as Django groups, and their permissions.

The groups are created by a data migration (``core/migrations``); their
permissions are (re)assigned after every ``migrate`` from the rules below, so
a model added by a later app is covered without another data migration.
"""

from django.utils.translation import gettext_lazy as _

MARKETING_MANAGER = "Marketing manager"
MARKETING_STAFF = "Marketing staff"
SALESPERSON = "Salesperson"
READ_ONLY = "Read only"

ROLE_NAMES = [MARKETING_MANAGER, MARKETING_STAFF, SALESPERSON, READ_ONLY]
ROLE_LABELS = {
    MARKETING_MANAGER: _("Marketing manager"),
    MARKETING_STAFF: _("Marketing staff"),
    SALESPERSON: _("Salesperson"),
    READ_ONLY: _("Read only"),
}

# The apps whose models the roles work with.
BUSINESS_APPS = [
    "core",
    "salespeople",
    "contacts",
    "campaigns",
    "segments",
    "pricing",
    "quotes",
    "activities",
    "opportunities",
]

# Master data a marketing staffer may view but not change: setup belongs to the manager.
MANAGER_ONLY_MODELS = {"core.numberseries", "salespeople.salesperson", "salespeople.team"}
# Custom permissions only the manager holds (activation gives away prices, deleting entries
# destroys history, the jobs of others are theirs).
MANAGER_ONLY_PERMISSIONS = {"delete_campaign_entry", "activate_campaign", "view_all_jobs"}
# View permissions a salesperson does not get: a salesperson sees only the tasks
# of their own salesperson and teams (``activities.Task.objects.visible_to``) and
# their own opportunities (``opportunities.Opportunity.objects.visible_to``).
SALESPERSON_WITHHELD = {
    "activities.task": {"view_all_tasks"},
    "opportunities.opportunity": {"view_all_opportunities"},
}
# What a salesperson may change besides viewing everything.
SALESPERSON_CHANGES = {
    "activities.task": {"add", "change"},
    "opportunities.opportunity": {"add", "change"},
    "opportunities.opportunityentry": {"add", "change"},
    "campaigns.interactionlogentry": {"add"},
}


# The audit log is written by the operations only (nobody adds, changes or deletes an
# entry) and read by the manager and the read-only role (auditors, controllers); the
# staff and the salespeople whose operations it records do not read it.
AUDIT_MODELS = {"core.auditentry"}
AUDIT_READERS = {MARKETING_MANAGER, READ_ONLY}


def permitted(role: str, app_label: str, model: str, codename: str) -> bool:
    """Whether ``role`` holds permission ``codename`` on ``app_label.model``."""
    key = f"{app_label}.{model}"
    action = codename.split("_", 1)[0]
    if key in AUDIT_MODELS:
        return action == "view" and role in AUDIT_READERS
    if role == MARKETING_MANAGER:
        return True
    if codename in MANAGER_ONLY_PERMISSIONS:
        return False
    if role == SALESPERSON and codename in SALESPERSON_WITHHELD.get(key, set()):
        return False
    if action == "view":
        return True
    if role == MARKETING_STAFF:
        return key not in MANAGER_ONLY_MODELS and codename not in MANAGER_ONLY_PERMISSIONS
    if role == SALESPERSON:
        return action in SALESPERSON_CHANGES.get(key, set())
    return False


def sync_role_permissions(sender=None, using="default", **kwargs):
    """Give each role group exactly the permissions the rules above allow.

    Runs after every ``migrate`` (and after a test database flush, which is why
    it also re-creates the groups and default number series when they are gone).
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from core.numbering import ensure_default_series

    # post_migrate is sent once per app; act on the last one, when every app's
    # permissions have been created.
    if sender is not None and sender is not list(apps.get_app_configs())[-1]:
        return

    ensure_default_series(using=using)
    groups = {name: Group.objects.using(using).get_or_create(name=name)[0] for name in ROLE_NAMES}
    perms = list(
        Permission.objects.using(using)
        .filter(content_type__app_label__in=BUSINESS_APPS)
        .select_related("content_type")
    )
    for name, group in groups.items():
        allowed = [
            p
            for p in perms
            if permitted(name, p.content_type.app_label, p.content_type.model, p.codename)
        ]
        group.permissions.set(allowed)
