"""Deployment checks of marketing e-mail (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register


@register(deploy=True)
def public_base_url_is_https(app_configs, **kwargs):
    """The unsubscribe link must be https: mailbox providers require it for one-click
    unsubscribe, and the link carries a token that names the recipient."""
    if settings.PUBLIC_BASE_URL.startswith("https://"):
        return []
    return [
        CheckWarning(
            "PUBLIC_BASE_URL is not an https address; the unsubscribe and response links "
            "in marketing e-mail use it.",
            hint="Set PUBLIC_BASE_URL to the site's https address, e.g. "
            "https://marketing.example.com.",
            id="mailings.W001",
        )
    ]
