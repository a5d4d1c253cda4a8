"""Migration operations that build or drop an index without blocking writes.

On PostgreSQL ``CREATE INDEX CONCURRENTLY`` (and ``DROP INDEX CONCURRENTLY``): on a
table of ten million contacts or fifty million interactions a plain ``CREATE INDEX``
holds a lock that blocks every insert and update for minutes (docs/operations.md,
Deployment). Other databases build the index the plain way. A migration using them
sets ``atomic = False``: PostgreSQL refuses a concurrent build inside a transaction.
"""

from django.db import migrations


def _model(operation, schema_editor, state, app_label):
    model = state.apps.get_model(app_label, operation.model_name)
    if operation.allow_migrate_model(schema_editor.connection.alias, model):
        return model
    return None


def _concurrently(schema_editor) -> dict:
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class AddIndexWithoutBlocking(migrations.AddIndex):
    """``AddIndex``, built concurrently on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if model := _model(self, schema_editor, to_state, app_label):
            schema_editor.add_index(model, self.index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if model := _model(self, schema_editor, from_state, app_label):
            schema_editor.remove_index(model, self.index, **_concurrently(schema_editor))


class RemoveIndexWithoutBlocking(migrations.RemoveIndex):
    """``RemoveIndex``, dropped concurrently on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if model := _model(self, schema_editor, from_state, app_label):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if model := _model(self, schema_editor, to_state, app_label):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, **_concurrently(schema_editor))
