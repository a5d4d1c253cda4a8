"""The business relation CUST that links a customer to its company contact."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("contacts", "BusinessRelation").objects.get_or_create(
        code="CUST", defaults={"description": "Customer"}
    )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
