"""Signed tokens in the links of marketing e-mail (docs/mailings.md).

A token names one interaction (and so its contact and campaign) and what the link
is for; it is signed with the secret key, so it cannot be guessed or changed, and
it expires after ``MAIL_LINK_MAX_AGE_DAYS``. The links work without a login.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

UNSUBSCRIBE = "unsubscribe"
RESPONSE = "response"


class BadToken(Exception):  # noqa: N818 - a refusal shown to the visitor
    """The token was forged, damaged or has expired."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class LinkTarget:
    interaction_id: int


def make_token(purpose: str, interaction_id: int) -> str:
    return signing.dumps(int(interaction_id), salt=f"mailings.{purpose}", compress=False)


def read_token(purpose: str, token: str) -> LinkTarget:
    """The interaction a token names; ``BadToken`` when it is not one of ours."""
    try:
        value = signing.loads(
            str(token),
            salt=f"mailings.{purpose}",
            max_age=settings.MAIL_LINK_MAX_AGE_DAYS * 86400,
        )
    except signing.SignatureExpired as error:
        raise BadToken(expired=True) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadToken from error
    if not isinstance(value, int) or value <= 0:
        raise BadToken
    return LinkTarget(interaction_id=value)


def absolute_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path
