"""The index on the interactions' date that archiving reads the oldest days through
(docs/archiving.md). On PostgreSQL it is built CONCURRENTLY: on a table of 50 million
interactions a plain CREATE INDEX would block logging for minutes."""

from django.db import migrations, models

from core.migration_operations import AddIndexWithoutBlocking


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("campaigns", "0012_interaction_days"),
    ]

    operations = [
        AddIndexWithoutBlocking(
            model_name="interactionlogentry",
            index=models.Index(fields=["date"], name="interaction_date_idx"),
        ),
    ]
