"""The results of the search box in the top bar (docs/search.md): the page
``/search/?q=…``, which works without JavaScript, and the list htmx shows under the
box while the user types (the same view, asked by htmx)."""

from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core import global_search


class GlobalSearch(TemplateView):
    """Every kind of record the user may see, searched for ``q``: a group per kind
    with its first matches (one query per group, ``core.global_search``). Any logged-in
    user: a group appears only with its model's view permission."""

    template_name = "core/search.html"
    partial_template_name = "core/partials/search_results.html"
    http_method_names = ["get", "head", "options"]

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        raw = str(self.request.GET.get("q", ""))
        text = global_search.clean_text(raw)
        return {
            **context,
            "title": _("Search"),
            "breadcrumbs": [(_("Search"), None)],
            "q": text,
            "groups": global_search.search(user, text),
            "kinds": [provider.label for provider in global_search.providers_for(user)],
            "shortened": len(raw.strip()) > global_search.MAX_LENGTH,
            "max_length": global_search.MAX_LENGTH,
        }

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The list under the box and the page share the URL: caches keep them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response
