"""Number series: where campaigns, segments, contacts … get their No. (docs/numbering.md);
background jobs, the audit log of bulk operations and user preferences."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.fields import CodeField, number_validator


class CardUrlMixin:
    """URLs of a record's pages by convention: ``<app>:<model>_<action>`` with ``key``.

    ``url_key`` names the business key used in URLs (``/campaigns/CP0001/``).
    """

    url_key = "no"

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls._meta.app_label}:{cls._meta.model_name}_{action}"

    def get_url(self, action: str) -> str:
        from django.urls import reverse

        return reverse(self.url_name(action), kwargs={"key": getattr(self, self.url_key)})

    def get_absolute_url(self):
        return self.get_url("card")


class CodeTable(CardUrlMixin, models.Model):
    """A small code table (NAV's setup tables): a unique upper-case code and a description."""

    url_key = "code"

    code = CodeField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.code


class NumberSeries(CardUrlMixin, models.Model):
    """A prefix and a counter; the next number is taken under a row lock."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=10, blank=True, validators=[number_validator])
    digits = models.PositiveSmallIntegerField(
        _("digits"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("The counter is zero-padded to this many digits."),
    )
    last_number = models.PositiveBigIntegerField(_("last number used"), default=0)
    allow_manual = models.BooleanField(
        _("manual numbers"),
        default=True,
        help_text=_("Users may type a No. by hand instead of taking the next one."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["code"]

    def __str__(self):
        return self.code

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    @property
    def next_preview(self) -> str:
        return self.format(self.last_number + 1)

    url_key = "code"


class NumberedModel(models.Model):
    """A document or master record whose ``no`` comes from a number series.

    Subclasses set ``number_series`` to the code of their series. The number is
    taken in ``save()`` inside the creating transaction (see ``core.numbering``).
    """

    number_series: str = ""

    no = models.CharField(
        _("No."), max_length=20, unique=True, blank=True, validators=[number_validator]
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.no:
            from core.numbering import take_next_number

            self.no = take_next_number(self.number_series, model=type(self))
        super().save(*args, **kwargs)


class Job(CardUrlMixin, models.Model):
    """One operation run by the background queue (``core.jobs``): who started it,
    its state and progress, why it failed and where its result is."""

    url_key = "pk"

    class Kind(models.TextChoices):
        SEGMENT_EMAILS = "segment_emails", _("Send e-mails of a logged segment")
        SEGMENT_EMAIL_RETRY = "segment_email_retry", _("Retry failed e-mails")
        CONTACT_IMPORT = "contact_import", _("Import contacts")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error summary"), blank=True)
    result_url = models.CharField(_("result"), max_length=300, blank=True)
    # What the job works on, e.g. "segments.loggedsegment:12" (looked up by the card).
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    task_result_id = models.CharField(_("task result ID"), max_length=64, blank=True)
    # The id of the request that started the job; its worker logs under it (docs/logs.md).
    request_id = models.CharField(
        _("request ID"), max_length=64, blank=True, default="", editable=False
    )
    # The worker running the job ("host:pid:nonce") holds it until lease_expires_at and
    # renews the lease as it reports progress; a stalled job is taken over (core.jobs).
    worker = models.CharField(_("worker"), max_length=120, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(
        _("lease expires at"), null=True, blank=True, editable=False
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Input too large for ``params`` (an uploaded CSV file); emptied when done.
    payload = models.BinaryField(_("payload"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="core_job_user_idx"),
            models.Index(fields=["reference", "-id"], name="core_job_reference_idx"),
            models.Index(fields=["state", "lease_expires_at"], name="core_job_lease_idx"),
        ]
        permissions = [("view_all_jobs", _("Can view the jobs of every user"))]

    def __str__(self):
        return _("Job %(id)s") % {"id": self.pk}

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, int(self.processed * 100 / self.total))


class AuditAction(models.TextChoices):
    """The bulk operations that write a summary audit record (``core.audit.record``)."""

    CAMPAIGN_ACTIVATED = "campaign_activated", _("Campaign activated")
    CAMPAIGN_DEACTIVATED = "campaign_deactivated", _("Campaign deactivated")
    SEGMENT_CONTACTS_ADDED = "segment_contacts_added", _("Contacts added to segment")
    SEGMENT_REDUCED = "segment_reduced", _("Segment reduced")
    SEGMENT_REFINED = "segment_refined", _("Segment refined")
    SEGMENT_WENT_BACK = "segment_went_back", _("Segment criteria action undone")
    SEGMENT_LOGGED = "segment_logged", _("Segment logged")
    LOGGED_SEGMENT_CANCELED = "logged_segment_canceled", _("Logged segment canceled")
    EMAILS_DECIDED = "emails_decided", _("Uncertain e-mails decided")
    EMAIL_OPT_OUT = "email_opt_out", _("E-mail opt-out recorded")
    EMAIL_OPT_OUT_CLEARED = "email_opt_out_cleared", _("E-mail opt-out cleared")
    EMAIL_ADDRESS_UNBLOCKED = "email_address_unblocked", _("E-mail address unblocked")
    CAMPAIGN_ENTRIES_DELETED = "campaign_entries_deleted", _("Campaign entries deleted")
    ACTIVITIES_ASSIGNED = "activities_assigned", _("Activity assigned")
    CONTACTS_IMPORTED = "contacts_imported", _("Contacts imported")
    # Bulk actions on list rows (docs/contacts.md, Bulk actions).
    SALESPERSON_ASSIGNED = "salesperson_assigned", _("Salesperson assigned")
    RECORDS_DELETED = "records_deleted", _("Selected records deleted")
    SELECTION_EXPORTED = "selection_exported", _("Selected records exported")
    # Old interactions written to a file and deleted (docs/archiving.md).
    INTERACTIONS_ARCHIVED = "interactions_archived", _("Interactions archived")


class AuditEntry(CardUrlMixin, models.Model):
    """One bulk operation as a whole: who did what to which record, when, and how
    many rows it touched. Written by ``core.audit.record`` in the transaction of
    the operation (one row per operation, never per row); never edited."""

    created_at = models.DateTimeField(_("date and time"), default=timezone.now, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    # The record the operation worked on (a campaign, segment, logged segment …);
    # kept as text too, so the entry still says what it was after the record is gone.
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("record type"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.CharField(_("record ID"), max_length=64, blank=True)
    object_key = models.CharField(_("record key"), max_length=100, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    count = models.PositiveBigIntegerField(_("rows"), default=0)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-id"], name="core_audit_object_idx"),
            models.Index(fields=["created_at"], name="core_audit_created_idx"),
            models.Index(fields=["action", "-id"], name="core_audit_action_idx"),
            models.Index(fields=["user", "-id"], name="core_audit_user_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}".strip()


class UserPreference(models.Model):
    """What a user chose for themselves and keeps on every browser: the language
    (saved by the language switcher, applied at login)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="preference",
    )
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return str(self.user)


class WorkerHeartbeat(models.Model):
    """A running job worker (``manage.py db_worker``): its watchdog thread writes
    ``last_seen`` every few seconds and the worker deletes the row when it stops
    cleanly. Readiness wants one seen lately (docs/monitoring.md)."""

    # As ``core.jobs.worker_name()``: "host:pid:nonce", the value of ``Job.worker``.
    worker = models.CharField(_("worker"), max_length=120, unique=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process ID"))
    started_at = models.DateTimeField(_("started at"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["worker"]

    def __str__(self):
        return self.worker


class ListState(models.Model):
    """What a user last did on a list page (docs/lists.md, Lists that remember): the
    query (filters, sort, search; never the page) and the columns they chose. The
    list opened without a query string comes back with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="list_states",
    )
    # The list's URL name, e.g. "contacts:contact_list".
    list_key = models.CharField(_("list"), max_length=100)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    # The visible columns in the list's order; empty: every column.
    columns = models.JSONField(_("columns"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("list state")
        verbose_name_plural = _("list states")
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="list_state_once")]

    def __str__(self):
        return f"{self.user}: {self.list_key}"


class SavedView(models.Model):
    """A named state of a list (query and columns), private to its owner or shared
    with one of the owner's teams (docs/lists.md, Saved views)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list_key = models.CharField(_("list"), max_length=100)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    shared_with_team = models.ForeignKey(
        "salespeople.Team",
        verbose_name=_("shared with team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"],
                name="saved_view_name_once",
                violation_error_message=_("You already have a view with this name on this list."),
            )
        ]
        indexes = [
            models.Index(fields=["list_key", "shared_with_team"], name="saved_view_shared_idx")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """The list the view belongs to."""
        from django.urls import reverse

        return reverse(self.list_key)
