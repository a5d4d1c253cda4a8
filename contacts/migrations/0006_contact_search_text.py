"""The list search looks inside names, numbers, e-mail addresses and cities
(docs/performance.md, Search): a folded copy of them per contact and customer, a
trigram GIN index on PostgreSQL and an FTS5 trigram table on SQLite."""

from django.db import migrations

import core.search

BATCH = 5000


def fill(model, select):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        table = apps.get_model("contacts", model)._meta.db_table
        last = 0
        with connection.cursor() as cursor:
            while True:  # in batches of ids, by keyset
                cursor.execute(select, [last, BATCH])
                rows = cursor.fetchall()
                if not rows:
                    break
                cursor.executemany(
                    f'UPDATE "{table}" SET search_text = %s WHERE id = %s',  # noqa: S608
                    [(core.search.search_text(*row[1:]), row[0]) for row in rows],
                )
                last = rows[-1][0]

    return run


def create_indexes(apps, schema_editor):
    for name in ("Contact", "Customer"):
        core.search.create_index(schema_editor, apps.get_model("contacts", name))


def drop_indexes(apps, schema_editor):
    for name in ("Contact", "Customer"):
        core.search.drop_index(schema_editor, apps.get_model("contacts", name))


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_alter_contact_no_alter_customer_no_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=core.search.SearchTextField(
                sources=("no", "name", "email", "city"), verbose_name="search text"
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="search_text",
            field=core.search.SearchTextField(sources=("no", "name"), verbose_name="search text"),
        ),
        migrations.RunPython(
            fill(
                "Contact",
                "SELECT id, no, name, email, city FROM contacts_contact "
                "WHERE id > %s ORDER BY id LIMIT %s",
            ),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            fill(
                "Customer",
                "SELECT id, no, name FROM contacts_customer WHERE id > %s ORDER BY id LIMIT %s",
            ),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
