"""``Authorization: Bearer <key>`` with a user's API token (docs/api.md)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiToken
from api.services import hash_key, note_token_used

INVALID = _("The API token is not valid, has expired or was revoked.")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        now = timezone.now()
        if token is None or not token.is_active(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed(INVALID)
        note_token_used(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
