"""The contact list sorted by name or e-mail pages by (value, id): the indexes on the
name and the e-mail alone become ones on (name, id) and (email, id), as the city's
did in 0004 (docs/performance.md, the deep keyset page at ten million contacts).
Built and dropped CONCURRENTLY on PostgreSQL (core.migration_operations): contacts
can be written meanwhile."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutBlocking, RemoveIndexWithoutBlocking


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("contacts", "0009_contact_external_id"),
    ]

    operations = [
        # The new index first: the list keeps an index to sort by name throughout.
        AddIndexWithoutBlocking(
            model_name="contact",
            index=models.Index(fields=["name", "id"], name="contact_name_id_idx"),
        ),
        RemoveIndexWithoutBlocking(model_name="contact", name="contact_name_idx"),
        AddIndexWithoutBlocking(
            model_name="contact",
            index=models.Index(fields=["email", "id"], name="contact_email_id_idx"),
        ),
        RemoveIndexWithoutBlocking(model_name="contact", name="contact_email_idx"),
    ]
