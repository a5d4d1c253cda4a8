"""What the segment routes of the API read and take (docs/api.md, Segments).

The criteria of Add contacts, Reduce and Refine are the page's forms
(``segments.forms.AddContactsForm``, ``RemoveContactsForm``): the serializers below are
made from those forms' fields, so that a JSON object with the page form's names is
checked for its shape here and then by the very form the page uses."""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers import RecordSerializer
from core.concurrency import record_version, version_names
from mailings.models import EmailDelivery
from segments.criteria import MAX_PICKED, describe
from segments.forms import AddContactsForm, RemoveContactsForm, SegmentForm
from segments.models import LoggedSegment, Segment, SegmentCriteriaAction, SegmentLine

PICKED_HELP = _(
    "Contact Nos. to take (at most 10,000), as the contact list's Add to segment picks them."
)
# The criterion's correspondence types: blank as NAV's filter ``''`` (the model's choice
# set has ""); named apart in the schema (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
CRITERIA_CORRESPONDENCE_TYPES = [
    (value, label)
    for value, label in AddContactsForm.base_fields["correspondence_type"].choices
    if value
]
# Not a field of the page's form: the criterion of the contact list's *Add to segment*
# (docs/segments.md, Contacts picked on the contact list), which the service takes too.
PICKED = "contacts"


def _shape_field(field: forms.Field) -> serializers.Field:
    """The API field for one field of a criteria form: only the JSON type and the
    choices; the form itself checks the rest (codes that exist, NAV filter syntax)."""
    text = {"required": False, "allow_null": True, "help_text": field.help_text or None}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(
            required=False, default=False, help_text=field.help_text or None
        )
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(
            child=serializers.CharField(max_length=250),
            allow_empty=True,
            help_text=_("Codes; a contact matching any of them qualifies."),
            **{key: value for key, value in text.items() if key != "help_text"},
        )
    if isinstance(field, forms.ModelChoiceField):
        return serializers.CharField(max_length=250, allow_blank=True, **text)
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=True, **text)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**text)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=field.min_value, max_value=field.max_value, **text
        )
    return serializers.CharField(max_length=field.max_length, allow_blank=True, **text)


def criteria_serializer(name: str, form_class) -> type[serializers.Serializer]:
    """A serializer with the fields of ``form_class`` (and the picked ``contacts``)."""
    fields = {
        field_name: _shape_field(field) for field_name, field in form_class.base_fields.items()
    }
    fields[PICKED] = serializers.ListField(
        child=serializers.CharField(max_length=20, allow_blank=False),
        max_length=MAX_PICKED,
        required=False,
        allow_null=True,
        help_text=PICKED_HELP,
    )
    return type(name, (serializers.Serializer,), {**fields, "form_class": form_class})


AddCriteriaSerializer = criteria_serializer("AddCriteriaSerializer", AddContactsForm)
RemoveCriteriaSerializer = criteria_serializer("RemoveCriteriaSerializer", RemoveContactsForm)


class CriteriaActionSerializer(RecordSerializer):
    """One step of the segment's criteria: Go back undoes the last one."""

    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = SegmentCriteriaAction
        fields = [
            "sequence",
            "action",
            "filters",
            "summary",
            *SegmentCriteriaAction.OPTIONS,
            "lines_added",
            "lines_removed",
            "created_at",
            "user",
        ]
        read_only_fields = fields

    def get_summary(self, action) -> str:
        return describe(action.filters)


class SegmentSerializer(RecordSerializer):
    campaign = serializers.SlugRelatedField(slug_field="no", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)
    interaction_template = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Segment
        # The header of the segment's edit form, and its number of lines.
        fields = [*SegmentForm.Meta.fields, "line_count"]
        read_only_fields = fields


class SegmentDetailSerializer(SegmentSerializer):
    """The header, its number of lines, the criteria steps in order and the version
    the header's edit is checked against (docs/concurrency.md)."""

    criteria_actions = CriteriaActionSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField()

    class Meta(SegmentSerializer.Meta):
        fields = [*SegmentSerializer.Meta.fields, "criteria_actions", "version"]
        read_only_fields = fields

    def get_version(self, segment) -> str:
        return record_version(segment, version_names(Segment))


class SegmentActionResultSerializer(serializers.Serializer):
    segment = SegmentDetailSerializer()
    added = serializers.IntegerField(
        help_text=_("Lines added (Go back: lines restored; Add: also the renewed ones).")
    )
    removed = serializers.IntegerField(
        help_text=_("Lines removed (Add with allow_existing: the existing lines renewed).")
    )
    action = CriteriaActionSerializer(allow_null=True)


class SegmentLineSerializer(RecordSerializer):
    contact_no = serializers.CharField(source="contact.no")
    contact_name = serializers.CharField(source="contact.name")
    contact_type = serializers.CharField(source="contact.type")
    company_no = serializers.CharField(source="contact_company.no")
    campaign = serializers.SlugRelatedField(slug_field="no", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)
    interaction_template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # An integer field of its own: the step's model field would give the schema the
    # database's integer range, which differs between SQLite and PostgreSQL.
    added_by = serializers.IntegerField(
        source="added_by.sequence",
        read_only=True,
        help_text=_("The criteria step (its sequence) that added the line."),
    )

    class Meta:
        model = SegmentLine
        fields = [
            "id",
            "contact_no",
            "contact_name",
            "contact_type",
            "company_no",
            "campaign",
            "campaign_target",
            "campaign_response",
            "salesperson",
            "interaction_template",
            "correspondence_type",
            "subject",
            "date",
            "cost",
            "duration",
            "evaluation",
            "added_by",
        ]
        read_only_fields = fields


# --- Logged segments and their delivery ledger ---------------------------------------


class LoggedSegmentSerializer(RecordSerializer):
    entry_no = serializers.IntegerField(source="pk", read_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LoggedSegment
        fields = [
            "entry_no",
            "segment_no",
            "description",
            "language",
            "date",
            "created_at",
            "user",
            "canceled",
            "line_count",
            "emails_queued",
        ]
        read_only_fields = fields


class InteractionFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    emails = serializers.IntegerField()
    letters = serializers.IntegerField()
    failed = serializers.IntegerField()
    canceled_count = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    duration = serializers.DecimalField(max_digits=20, decimal_places=1, allow_null=True)


class CampaignEntrySummarySerializer(serializers.Serializer):
    entry_no = serializers.IntegerField(source="pk")
    campaign = serializers.CharField(source="campaign.no")
    description = serializers.CharField()
    date = serializers.DateField()
    canceled = serializers.BooleanField()


class DeliveryCountsSerializer(serializers.Serializer):
    """Messages per state of the delivery ledger, ``total`` and ``done`` (neither
    queued nor being sent), and the skipped ones per reason."""

    queued = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    uncertain = serializers.IntegerField()
    skipped = serializers.IntegerField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    skipped_reasons = serializers.DictField(child=serializers.IntegerField())


class LoggedSegmentDetailSerializer(LoggedSegmentSerializer):
    """The logged segment with its interactions' figures, its campaign entries and its
    e-mail delivery ledger counted by state (the rows: ``deliveries/``)."""

    figures = InteractionFiguresSerializer(read_only=True)
    campaign_entries = CampaignEntrySummarySerializer(
        source="entries_of_logging", many=True, read_only=True
    )
    deliveries = DeliveryCountsSerializer(read_only=True)

    class Meta(LoggedSegmentSerializer.Meta):
        fields = [*LoggedSegmentSerializer.Meta.fields, "figures", "campaign_entries", "deliveries"]
        read_only_fields = fields


class DeliverySerializer(RecordSerializer):
    """One message of the delivery ledger (docs/mailings.md)."""

    contact_no = serializers.CharField(source="interaction.contact.no", read_only=True)
    contact_name = serializers.CharField(source="interaction.contact.name", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EmailDelivery
        fields = [
            "interaction",
            "contact_no",
            "contact_name",
            "address",
            "language",
            "state",
            "skip_reason",
            "message_id",
            "attempts",
            "sent_at",
            "updated_at",
            "error",
            "decided_by",
        ]
        read_only_fields = fields
