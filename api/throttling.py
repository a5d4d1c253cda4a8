"""Rate limits per token (per user for a browser session): 429 with Retry-After."""

from rest_framework.throttling import UserRateThrottle

from api.models import ApiToken


class TokenRateThrottle(UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        return super().get_cache_key(request, view)
