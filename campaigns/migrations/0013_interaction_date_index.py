"""The index on the interactions' date that archiving reads the oldest days through
(docs/archiving.md). On PostgreSQL it is built CONCURRENTLY: on a table of 50 million
interactions a plain CREATE INDEX would block logging for minutes."""

from django.db import migrations, models


class AddIndexWithoutBlocking(migrations.AddIndex):
    """``AddIndex``, but ``CREATE INDEX CONCURRENTLY`` on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


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
