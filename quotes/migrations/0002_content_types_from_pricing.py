"""The content types of the quote models follow them from ``pricing`` to ``quotes``.

Renaming keeps their ids, so every permission (``pricing.change_salesquote`` becomes
``quotes.change_salesquote``) stays with the groups and users that hold it, and the
admin's log entries keep pointing at their records. On a new database there is
nothing to rename: the content types are made after ``migrate`` under ``quotes``.
"""

from django.db import migrations

MODELS = ["salesquote", "salesquoteline", "historicalsalesquote"]


def move(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    database = schema_editor.connection.alias
    content_types = ContentType.objects.using(database)
    for model in MODELS:
        old = content_types.filter(app_label=source, model=model).first()
        if old is None:
            continue
        # An empty one made meanwhile under the new label gives way to the one in use.
        Permission.objects.using(database).filter(
            content_type__app_label=target, content_type__model=model
        ).delete()
        content_types.filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    CurrentContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    move(apps, schema_editor, "pricing", "quotes")


def backwards(apps, schema_editor):
    move(apps, schema_editor, "quotes", "pricing")


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
