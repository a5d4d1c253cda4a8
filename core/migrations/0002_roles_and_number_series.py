"""Create the four role groups and the default number series.

The groups' permissions are assigned after every migrate by
``core.roles.sync_role_permissions`` (permissions only exist once all apps
have migrated)."""

from django.db import migrations

ROLES = ["Marketing manager", "Marketing staff", "Salesperson", "Read only"]

SERIES = {
    "CAMPAIGN": ("Campaigns", "CP", 4),
    "SEGMENT": ("Segments", "SEG", 5),
    "CONTACT": ("Contacts", "CT", 6),
    "CUSTOMER": ("Customers", "C", 5),
    "ITEM": ("Items", "IT", 5),
    "TASK": ("Tasks", "TD", 6),
    "OPPORTUNITY": ("Opportunities", "OP", 5),
    "SALES-QUOTE": ("Sales quotes", "SQ", 5),
}


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    NumberSeries = apps.get_model("core", "NumberSeries")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for code, (description, prefix, digits) in SERIES.items():
        NumberSeries.objects.get_or_create(
            code=code, defaults={"description": description, "prefix": prefix, "digits": digits}
        )


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    apps.get_model("core", "NumberSeries").objects.filter(code__in=SERIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
