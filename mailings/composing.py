"""The message of one delivery (docs/mailings.md): content in one language, sender,
headers for one-click unsubscribe, a stable Message-ID, a visible opt-out link."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mailings import tokens
from mailings.content import render_message


def unsubscribe_url(interaction_id: int) -> str:
    token = tokens.make_token(tokens.UNSUBSCRIBE, interaction_id)
    return tokens.absolute_url(reverse("mailings:unsubscribe", kwargs={"token": token}))


def response_url(interaction_id: int) -> str:
    token = tokens.make_token(tokens.RESPONSE, interaction_id)
    return tokens.absolute_url(reverse("mailings:response", kwargs={"token": token}))


def sender(salesperson) -> tuple[str, list[str]]:
    """From and Reply-To: the salesperson's name on the site's address (mail from
    another domain would fail its checks), replies to the salesperson."""
    if salesperson is None:
        return settings.DEFAULT_FROM_EMAIL, []
    name = salesperson.name
    reply_to = [salesperson.email] if salesperson.email else []
    return formataddr((name, settings.DEFAULT_FROM_EMAIL)), reply_to


def footer(language: str, link: str) -> tuple[str, str]:
    """The visible opt-out line under every marketing e-mail (text, HTML)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = _("You receive this e-mail as a contact of ours. Unsubscribe: %(url)s") % {
            "url": link
        }
        label = _("Unsubscribe from these e-mails")
    html = f'<p style="font-size:small;color:#666"><a href="{link}">{label}</a></p>'
    return text, html


def bodies(message, language: str, link: str) -> tuple[str, str]:
    """The text and HTML bodies of ``message`` (``RenderedContent``) as sent: with the
    visible opt-out line unless the text shows the unsubscribe ``link`` itself (HTML
    blank when the message has none). The preview before logging shows the same."""
    text_footer, html_footer = footer(message.language or language, link)
    text = message.text if link in message.text else f"{message.text}\n\n-- \n{text_footer}"
    html = ""
    if message.html:
        html = message.html if link in message.html else message.html + html_footer
    return text, html


def build_email(delivery) -> EmailMultiAlternatives:
    """The e-mail of ``delivery`` (its interaction, contact, template, salesperson
    and campaign loaded with it)."""
    interaction = delivery.interaction
    contact = interaction.contact
    link = unsubscribe_url(interaction.pk)
    message = render_message(
        template=interaction.template,
        language=delivery.language or contact.language,
        contact=contact,
        salesperson=interaction.salesperson,
        campaign=interaction.campaign,
        segment=delivery.logged_segment,
        subject=interaction.subject,
        extra={"unsubscribe_url": link, "response_url": response_url(interaction.pk)},
    )
    text, html = bodies(message, delivery.language, link)
    from_email, reply_to = sender(interaction.salesperson)
    headers = {
        "Message-ID": delivery.message_id,
        "List-Unsubscribe": list_unsubscribe(link, interaction.pk),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        from_email=from_email,
        to=[contact.email],
        reply_to=reply_to,
        headers=headers,
    )
    if html:
        email.attach_alternative(html, "text/html")
    return email


def list_unsubscribe(link: str, interaction_id: int) -> str:
    addresses = [f"<{link}>"]
    if settings.EMAIL_UNSUBSCRIBE_MAILTO:
        token = tokens.make_token(tokens.UNSUBSCRIBE, interaction_id)
        addresses.append(
            f"<mailto:{settings.EMAIL_UNSUBSCRIBE_MAILTO}?subject=unsubscribe-{token}>"
        )
    return ", ".join(addresses)
