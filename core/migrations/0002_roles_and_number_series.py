"""Create the four role groups and the default number series.

The groups' permissions are assigned after every migrate by
``core.roles.sync_role_permissions`` (permissions only exist once all apps
have migrated)."""

from django.db import migrations

from core.numbering import DEFAULT_SERIES
from core.roles import ROLE_NAMES


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    NumberSeries = apps.get_model("core", "NumberSeries")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)
    for code, (description, prefix, digits) in DEFAULT_SERIES.items():
        NumberSeries.objects.get_or_create(
            code=code, defaults={"description": description, "prefix": prefix, "digits": digits}
        )


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()
    apps.get_model("core", "NumberSeries").objects.filter(code__in=DEFAULT_SERIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
