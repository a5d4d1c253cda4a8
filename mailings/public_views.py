"""The pages a recipient of a marketing e-mail reaches from its links, without a
login (docs/mailings.md): unsubscribe (also RFC 8058 one-click from the mail program)
and the response page. Each link carries a signed token (``mailings.tokens``)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from campaigns.models import InteractionLogEntry
from mailings import consent, tokens
from mailings.models import OptOutSource


def masked(address: str) -> str:
    """``j***@example.com``: enough for the owner to recognise, little for others."""
    name, at, domain = address.partition("@")
    if not at:
        return ""
    return f"{name[:1]}***@{domain}"


@method_decorator([login_not_required, csrf_exempt], name="dispatch")
class TokenPage(View):
    """A page reached through a signed link: the interaction it names, the page in
    the contact's language, a clear page (400) for a forged or expired link."""

    purpose = ""
    template_name = ""

    def dispatch(self, request, *args, token="", **kwargs):
        try:
            target = tokens.read_token(self.purpose, token)
        except tokens.BadToken as error:
            return self.bad_link(request, expired=error.expired)
        self.interaction = (
            InteractionLogEntry.objects.select_related("contact", "campaign")
            .filter(pk=target.interaction_id)
            .first()
        )
        if self.interaction is None:
            return self.bad_link(request, expired=False)
        with translation.override(self.interaction.contact.language or None):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        return response

    def bad_link(self, request, *, expired: bool):
        return render(request, "mailings/public/bad_link.html", {"expired": expired}, status=400)

    def page(self, request, **context):
        contact = self.interaction.contact
        context |= {
            "contact_name": contact.name,
            "address": masked(contact.email),
            "campaign": self.interaction.campaign,
        }
        return render(request, self.template_name, context)


class Unsubscribe(TokenPage):
    """GET asks (a mail scanner fetching the link changes nothing); POST records the
    opt-out at once — a mail program's one-click POST (RFC 8058) or the button."""

    purpose = tokens.UNSUBSCRIBE
    template_name = "mailings/public/unsubscribe.html"

    def get(self, request):
        opted_out = consent.active_opt_out(self.interaction.contact_id) is not None
        return self.page(request, done=opted_out)

    def post(self, request):
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        consent.record_opt_out(
            contact=self.interaction.contact,
            source=OptOutSource.ONE_CLICK if one_click else OptOutSource.UNSUBSCRIBE_LINK,
            campaign=self.interaction.campaign_id,
            interaction=self.interaction.pk,
        )
        return self.page(request, done=True)


class Response(TokenPage):
    """GET shows the campaign and a button; only the button's POST records the
    response, so that mail scanners that fetch links do not count as responses."""

    purpose = tokens.RESPONSE
    template_name = "mailings/public/response.html"

    def get(self, request):
        return self.page(request, done=False)

    def post(self, request):
        consent.record_response(interaction=self.interaction)
        return self.page(request, done=True)
