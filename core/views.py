"""Core pages: the home page, the number series setup pages, the jobs, the audit
log and the language switcher that remembers the user's choice."""

import datetime

import django_filters
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, RedirectView, TemplateView
from django.views.i18n import set_language

from core import generic_views as generic
from core.dashboard import panels_for as dashboard_panels_for
from core.filters import SearchFilterSet
from core.forms import DATE_INPUT, NumberSeriesForm
from core.jobs import requeue_job, side_progress, visible_jobs
from core.middleware import remember_language
from core.models import AuditAction, AuditEntry, Job, NumberSeries
from core.navigation import workflow_for
from core.tables import AuditEntryTable, JobTable, NumberSeriesTable


class HomeView(TemplateView):
    """Start page: the dashboard of the user's role (docs/dashboard.md), then the
    workflow and the menus the user can open."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Marketing Campaigns")
        context["today"] = timezone.localdate()
        context["panels"] = dashboard_panels_for(self.request)
        context["workflow"] = workflow_for(self.request.user)
        return context


class NumberSeriesFilter(SearchFilterSet):
    search_fields = ("code", "description", "prefix")

    class Meta:
        model = NumberSeries
        fields = ["allow_manual"]


class NumberSeriesList(generic.RecordListView):
    model = NumberSeries
    table_class = NumberSeriesTable
    filterset_class = NumberSeriesFilter


class NumberSeriesCard(generic.RecordCardView):
    model = NumberSeries
    sections = [
        (_("General"), ["code", "description", "prefix", "digits"]),
        (_("Numbering"), ["last_number", "allow_manual"]),
    ]


class NumberSeriesCreate(generic.RecordCreateView):
    model = NumberSeries
    form_class = NumberSeriesForm


class NumberSeriesEdit(generic.RecordUpdateView):
    model = NumberSeries
    form_class = NumberSeriesForm


class NumberSeriesDelete(generic.RecordDeleteView):
    model = NumberSeries


# Background jobs ---------------------------------------------------------------------


class JobFilter(SearchFilterSet):
    search_fields = ("description", "error")

    class Meta:
        model = Job
        fields = ["state", "kind"]


class JobList(generic.RecordListView):
    """The queued operations: a user sees their own, a manager everyone's."""

    model = Job
    table_class = JobTable
    filterset_class = JobFilter
    empty_text = _(
        "No jobs yet. Sending the e-mails of a logged segment and large contact imports "
        "run here, in the background."
    )

    def get_queryset(self):
        return visible_jobs(self.request.user)


class JobCard(generic.ModelPermissionMixin, generic.PageMixin, DetailView):
    """One job with its progress panel (the page the panel's plain link opens)."""

    template_name = "core/job_card.html"

    model = Job

    def get_queryset(self):
        return visible_jobs(self.request.user)

    def get_object(self, queryset=None):
        try:
            return (queryset or self.get_queryset()).get(pk=int(self.kwargs["key"]))
        except (ValueError, Job.DoesNotExist):
            raise Http404 from None

    def get_title(self):
        return str(self.object)

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = side_progress(self.object)
        context["can_requeue"] = self.object.state != Job.State.DONE and self.request.user.has_perm(
            "core.change_job"
        )
        return context


class JobProgress(JobCard):
    """The progress panel alone, polled by htmx every second until the job ends."""

    template_name = "core/partials/job_progress.html"


class JobRequeue(JobCard):
    """Queue an unfinished or failed job again (its worker was stopped or it failed)."""

    permission_required = "core.change_job"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        job = self.get_object()
        try:
            with transaction.atomic():
                requeue_job(job)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, gettext("Job %(id)s queued again.") % {"id": job.pk})
        return redirect(job.get_absolute_url())


# Audit log ----------------------------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEntryFilter(SearchFilterSet):
    search_fields = ("object_key", "object_repr", "detail")

    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    user = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("username"), label=_("User")
    )
    # Whole days in the local time zone, as a range on the indexed timestamp.
    date_from = django_filters.DateFilter(
        label=_("Date from"), method="filter_date_from", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("Date to"), method="filter_date_to", widget=DATE_INPUT
    )

    class Meta:
        model = AuditEntry
        fields = ["action", "user", "date_from", "date_to"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value)) if value else queryset

    def filter_date_to(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(created_at__lt=_day_start(value + datetime.timedelta(days=1)))


class AuditEntryList(generic.RecordListView):
    """The bulk operations, newest first; read-only (written by ``core.audit.record``)."""

    model = AuditEntry
    queryset = AuditEntry.objects.select_related("user", "content_type").order_by("-id")
    table_class = AuditEntryTable
    filterset_class = AuditEntryFilter
    empty_text = _(
        "No bulk operations recorded yet. Activating a campaign, segment criteria actions, "
        "logging a segment, deleting campaign entries, assigning activities and importing "
        "contacts are recorded here."
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.pop("create_url", None)  # written by the operations only, never by hand
        return context


# Language ------------------------------------------------------------------------------


@login_not_required
def set_user_language(request):
    """Django's ``set_language``, and the choice is remembered: on the user when
    logged in (applied at their next login on any browser), in the session before
    logging in (it becomes the user's choice when they log in)."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and language in dict(settings.LANGUAGES):
        remember_language(request, language)
    return response


@method_decorator(login_not_required, name="dispatch")
class FaviconRedirect(RedirectView):
    """Browsers (and the admin pages) ask for /favicon.ico whatever a page links."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")  # resolved per request: the manifest may not exist at import
