"""The idempotency keys ``manage.py prune`` may remove (docs/operations.md, Retention;
docs/api.md, Writes that are safe to retry). A key is kept long enough for any client's
retries (a week by default); a request retried after its key was pruned acts again."""

from django.utils.translation import gettext_lazy as _

from api.models import IdempotentRequest
from core import retention


def register() -> None:
    retention.register(
        retention.Retention(
            name="idempotency_keys",
            label=_("API idempotency keys"),
            rows=lambda: IdempotentRequest.objects.all(),
            date_field="created",
            default_days=7,
        )
    )
