"""Write operations of the API: tokens and idempotent requests (docs/api.md)."""

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, IdempotentRequest

KEY_PREFIX = "mc_"
# last_used is written at most once a minute per token, not on every call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def create_api_token(*, user, name: str, expires=None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns it and its key, which is stored only hashed
    and cannot be shown again."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or "\x00" in name or len(name) > 100:
        raise ValidationError({"name": _("Give the token a name of at most 100 characters.")})
    if expires is not None:
        if not isinstance(expires, datetime.datetime):
            raise ValidationError({"expires": _("Enter a valid date and time.")})
        if expires <= timezone.now():
            raise ValidationError({"expires": _("The expiry must be in the future.")})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, key_hash=hash_key(key), prefix=key[:10], expires=expires)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, user) -> ApiToken:
    """Revoke one of ``user``'s own tokens: it is refused from then on."""
    if not isinstance(token, ApiToken) or token.pk is None:
        raise ValidationError(_("Not an API token."))
    if getattr(user, "pk", None) is None or token.user_id != user.pk:
        raise PermissionDenied
    updated = ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(
        revoked=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This token was revoked already."))
    token.refresh_from_db(fields=["revoked"])
    return token


def note_token_used(*, token: ApiToken, now=None) -> None:
    """Set the token's last use, at most once a minute (no write on every call)."""
    now = now or timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def claim_idempotency_key(*, user, key: str, method_path: str, request_hash: str):
    """Claim ``key`` for this request: returns ``(record, True)`` when it is new (the
    caller acts and then stores the answer with ``store_idempotent_response``), or the
    stored record and False for a retry. The unique constraint on (user, key) decides
    which of two requests sent at the same moment comes first."""
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                user=user, key=key, method_path=method_path, request_hash=request_hash
            )
        return record, True
    except IntegrityError:
        return IdempotentRequest.objects.get(user=user, key=key), False


def store_idempotent_response(*, record: IdempotentRequest, status: int, body) -> None:
    IdempotentRequest.objects.filter(pk=record.pk).update(status=status, body=body)


def release_idempotency_key(*, record: IdempotentRequest) -> None:
    """Forget a claim whose request failed unexpectedly, so that a retry acts."""
    IdempotentRequest.objects.filter(pk=record.pk).delete()
