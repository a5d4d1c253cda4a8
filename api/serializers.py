"""What the API reads and writes (docs/api.md). Serializers check the shape of the
input only; every rule is the services' (the same functions as the pages)."""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.forms import LogInteractionForm
from campaigns.models import Campaign, InteractionLogEntry
from contacts.models import CONTACT_FIELDS, Contact, ContactType
from core.concurrency import record_version, version_names
from core.numbering import check_manual_number
from salespeople.models import Salesperson

VERSION_REQUIRED = _("The version of the record as read; an update without it is refused.")


class CodeField(serializers.SlugRelatedField):
    """A record named by its No. or code. One with a NUL is refused before the lookup:
    PostgreSQL's text cannot hold it, and the lookup failed with a 500 (found by
    Schemathesis, .ci/api-fuzz)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError(ProhibitNullCharactersValidator.message)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "description": "An e-mail address, or empty."})
class EmailOrBlankField(serializers.EmailField):
    """A record's e-mail address, which may be empty: the schema's ``format: email``
    refused the empty one a record answers (found by Schemathesis)."""


class RecordSerializer(serializers.ModelSerializer):
    """A record as the API answers it. A read-only field says what it may hold: a
    value through a nullable relation may be null, a text that may be blank may be empty
    (also a choice's). DRF leaves both out of a read-only field, so the schema promised a
    value where a record has none (found by Schemathesis, docs/api.md)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.EmailField: EmailOrBlankField,
    }

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            source = field.source or name  # set when the field is bound, later
            if field.read_only and source != "*":
                self._allow_what_the_record_may_hold(field, source)
        return fields

    def _allow_what_the_record_may_hold(self, field, source):
        model, model_field = self.Meta.model, None
        for name in source.split("."):
            if model is None:
                return
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return
            if getattr(model_field, "null", False):
                field.allow_null = True
            model = model_field.related_model
        if getattr(model_field, "blank", False):
            if isinstance(field, serializers.CharField | serializers.ChoiceField):
                field.allow_blank = True


def contact_version(contact) -> str:
    """The version an update must carry (core/concurrency.py, docs/concurrency.md)."""
    return record_version(contact, version_names(Contact))


class ContactSerializer(RecordSerializer):
    company_no = serializers.CharField(
        source="company.no", required=False, allow_blank=True, allow_null=True, max_length=20
    )
    salesperson = CodeField(
        slug_field="code",
        queryset=Salesperson.objects.all(),
        required=False,
        allow_null=True,
    )
    version = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            *CONTACT_FIELDS,
            "external_id",
            "version",
        ]
        extra_kwargs = {
            "no": {"required": False, "allow_blank": True, "validators": []},
            # Unique where given: the service's rule (contacts.services.save_contact).
            "external_id": {"validators": []},
        }

    def get_version(self, contact) -> str:
        return contact_version(contact)

    def validate_no(self, value):
        """As the form does (core.forms.NumberedFormMixin): upper case, and a typed No.
        of a new contact only when its number series allows manual numbers."""
        number = (value or "").strip().upper()
        if number and self.instance is None:
            try:
                check_manual_number(Contact.number_series, number)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from None
        return number

    def validate_company_no(self, value):
        number = (value or "").strip().upper()
        if not number:
            return None
        company = Contact.objects.filter(no=number).first()
        if company is None:
            raise serializers.ValidationError(_("Contact %(no)s does not exist.") % {"no": number})
        if company.type != ContactType.COMPANY:
            raise serializers.ValidationError(
                _("Contact %(no)s is not a company.") % {"no": number}
            )
        return company


class ContactUpdateSerializer(ContactSerializer):
    """An update names the version it was read at (a stale one: 409)."""

    version = serializers.CharField(write_only=True, max_length=64)

    class Meta(ContactSerializer.Meta):
        read_only_fields = ["no"]

    def validate(self, attrs):
        if "version" not in attrs:  # a PATCH too: never an update over unseen changes
            raise serializers.ValidationError({"version": [VERSION_REQUIRED]})
        return attrs


class CampaignSerializer(RecordSerializer):
    # Both may be empty on a campaign: null (the schema says so).
    status = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Campaign
        fields = [
            "no",
            "description",
            "status",
            "starting_date",
            "ending_date",
            "salesperson",
            "activated",
            "target_count",
            "last_date_modified",
        ]
        read_only_fields = fields


def _money(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class CampaignFiguresSerializer(serializers.Serializer):
    """The campaign statistics page's figures (campaigns.statistics, docs/statistics.md):
    interactions, cost and response, and what the campaign brought in."""

    interactions = serializers.IntegerField()
    contacted = serializers.IntegerField(help_text=_("Target contacts contacted."))
    responded = serializers.IntegerField()
    response_rate = serializers.DecimalField(max_digits=6, decimal_places=1)
    cost = _money()
    duration = serializers.DecimalField(max_digits=20, decimal_places=1)
    average_cost_per_response = _money()
    budget_cost = _money()
    total_cost = _money(help_text=_("The interactions' cost plus the budget cost."))
    opportunities = serializers.IntegerField()
    won_opportunities = serializers.IntegerField()
    won_value = _money()
    quote_lines = serializers.IntegerField()
    quote_revenue = _money()
    revenue = _money()
    roi = serializers.DecimalField(
        max_digits=20, decimal_places=1, allow_null=True, help_text=_("Return on investment, %.")
    )


class CampaignDetailSerializer(CampaignSerializer):
    figures = CampaignFiguresSerializer(read_only=True)

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class InteractionSerializer(RecordSerializer):
    contact = CodeField(slug_field="no", queryset=Contact.objects.all())
    campaign = CodeField(
        slug_field="no", queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    template = CodeField(
        slug_field="code",
        queryset=InteractionLogEntry._meta.get_field("template").related_model.objects.all(),
        required=False,
        allow_null=True,
    )
    salesperson = CodeField(
        slug_field="code", queryset=Salesperson.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = InteractionLogEntry
        # The fields of the page's *Log interaction* form, for a contact.
        fields = ["id", "contact", *LogInteractionForm.Meta.fields]
        read_only_fields = ["id"]


class PriceQuerySerializer(serializers.Serializer):
    customer = serializers.CharField(max_length=20, help_text=_("The customer's No."))
    item = serializers.CharField(max_length=20, help_text=_("The item's No."))
    unit = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text=_("Unit of measure code")
    )
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0, default=1)
    currency = serializers.CharField(max_length=10, required=False, allow_blank=True)
    date = serializers.DateField(required=False)


class PriceSerializer(serializers.Serializer):
    unit_price = serializers.DecimalField(max_digits=20, decimal_places=5)
    line_discount_percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    line_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    source = serializers.CharField()
    source_type = serializers.CharField()
    source_code = serializers.CharField()
    quantity_per_unit = serializers.CharField()
    candidates = serializers.ListField(child=serializers.DictField())


class ActivationSerializer(serializers.Serializer):
    campaign = CampaignSerializer()
    targets = serializers.IntegerField()
