"""E-mails sent before the delivery ledger existed get their ledger rows: sent where
the interaction says so, failed where its attempt failed, and uncertain otherwise (the
earlier sender could not tell whether a message claimed by a stopped worker went out)."""

from django.db import migrations
from django.db.models import Case, Value, When


def create_rows(apps, schema_editor):
    Interaction = apps.get_model("campaigns", "InteractionLogEntry")
    Delivery = apps.get_model("mailings", "EmailDelivery")
    earlier = (
        Interaction.objects.filter(
            logged_segment__emails_queued__gt=0, correspondence_type="email", delivery=None
        )
        .annotate(
            ledger_state=Case(
                When(email_sent_at__isnull=False, then=Value("sent")),
                When(attempt_failed=True, then=Value("failed")),
                default=Value("uncertain"),
            )
        )
        .values("id", "logged_segment_id", "contact__email", "ledger_state", "email_sent_at")
    )
    batch = []
    for row in earlier.iterator(chunk_size=5000):
        batch.append(
            Delivery(
                interaction_id=row["id"],
                logged_segment_id=row["logged_segment_id"],
                address=(row["contact__email"] or "").lower(),
                state=row["ledger_state"],
                sent_at=row["email_sent_at"],
                message_id=f"<interaction-{row['id']}@earlier>",
            )
        )
        if len(batch) >= 5000:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Delivery.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("mailings", "0001_initial")]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
