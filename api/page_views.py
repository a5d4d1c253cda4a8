"""The API's pages (docs/api.md): the user's own API tokens (make one, its key shown
once; see and revoke them; any logged-in user, for their own tokens only) and the
interactive API documentation."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from api import services
from api.forms import ApiTokenForm
from api.models import ApiToken

TEMPLATE = "api/token_list.html"


class ApiTokenList(View):
    def context(self, request, form, key=None):
        tokens = ApiToken.objects.filter(user=request.user).order_by("-created")
        return {"tokens": tokens, "form": form, "key": key, "now": timezone.now()}

    def get(self, request):
        return render(request, TEMPLATE, self.context(request, ApiTokenForm()))

    def post(self, request):
        form = ApiTokenForm(request.POST)
        key = None
        if form.is_valid():
            days = form.cleaned_data["expires_in"]
            expires = timezone.now() + datetime.timedelta(days=int(days)) if days else None
            try:
                _token, key = services.create_api_token(
                    user=request.user, name=form.cleaned_data["name"], expires=expires
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = ApiTokenForm()
        status = 200 if key or not form.errors else 400
        return render(request, TEMPLATE, self.context(request, form, key), status=status)


class ApiTokenRevoke(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        try:
            services.revoke_api_token(token=token, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Token %(name)s was revoked.") % {"name": token.name})
        return redirect("apitokens:token_list")


class ApiDocs(TemplateView):
    """The interactive API documentation (Swagger UI, vendored under static/vendor):
    any logged-in user, as the OpenAPI document it reads."""

    template_name = "api/docs.html"
