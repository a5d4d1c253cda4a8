"""The API's endpoints under /api/v1/ (docs/api.md). Every write goes through the
same service as the page that makes it: the same rules, permissions, audit entries
and history rows."""

from django.core.exceptions import PermissionDenied
from django.core.validators import ProhibitNullCharactersValidator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.nav_filters import CampaignNavFilter, ContactNavFilter
from api.serializers import (
    ActivationSerializer,
    CampaignDetailSerializer,
    CampaignSerializer,
    ContactSerializer,
    ContactUpdateSerializer,
    InteractionSerializer,
    PriceQuerySerializer,
    PriceSerializer,
)
from campaigns import services as campaign_services
from campaigns.models import Campaign, InteractionLogEntry
from campaigns.statistics import campaign_statistics
from contacts import services as contact_services
from contacts.models import Contact, Customer
from pricing import engine
from pricing import services as pricing_services
from pricing.models import Item, UnitOfMeasure


class ByNo(CursorPagination):
    """Keyset pages in No. order: as fast on the last page as on the first."""

    ordering = "no"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ById(ByNo):
    ordering = "-id"


class IdempotentCreateMixin:
    def create(self, request, *args, **kwargs):
        return idempotent(
            request, lambda: super(IdempotentCreateMixin, self).create(request, *args, **kwargs)
        )


# --- Contacts ----------------------------------------------------------------------


class ContactList(IdempotentCreateMixin, generics.ListCreateAPIView):
    """Contacts, with the contact list's filters and search ``q`` and NAV's filter
    syntax on text fields (api/nav_filters.py); POST makes one."""

    queryset = Contact.objects.select_related("company", "salesperson")
    serializer_class = ContactSerializer
    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactNavFilter

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        company = data.pop("company", {}) or {}
        contact = Contact(**data)
        contact.company = company.get("no") if isinstance(company, dict) else None
        serializer.instance = contact_services.save_contact(contact=contact, user=self.request.user)


# An update answers with the contact as read (ContactSerializer), with its new version.
@extend_schema_view(
    put=extend_schema(responses=ContactSerializer),
    patch=extend_schema(responses=ContactSerializer),
)
class ContactDetail(generics.RetrieveUpdateAPIView):
    """One contact by No.; PUT/PATCH with the ``version`` it was read at (stale: 409)."""

    queryset = Contact.objects.select_related("company", "salesperson")
    lookup_field = "no"
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.request.method in ("PUT", "PATCH"):
            return ContactUpdateSerializer
        return ContactSerializer

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        contact = serializer.instance
        if "company" in data:
            company = data.pop("company") or {}
            contact.company = company.get("no") if isinstance(company, dict) else None
        for name, value in data.items():
            setattr(contact, name, value)
        serializer.instance = contact_services.save_contact(
            contact=contact, user=self.request.user, version=version
        )

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return Response(ContactSerializer(self.get_object()).data)


UPSERT_MATCH = {"no": "no", "email": "email__iexact", "external_id": "external_id"}
NO_MATCH_VALUE = _("Give the %(field)s to match the contact on.")
SEVERAL_MATCHES = _("Several contacts have this %(field)s; update one by its No.")


class ContactUpsert(APIView):
    """Create a contact, or update the one with the same No. (``?match=no``, the
    default), e-mail (``?match=email``) or external id (``?match=external_id``): 201
    when made, 200 when updated. No version: the values sent win (docs/api.md, Upsert)."""

    queryset = Contact.objects.all()  # POST: contacts.add_contact; an update also change

    @extend_schema(
        parameters=[OpenApiParameter("match", str, enum=list(UPSERT_MATCH))],
        request=ContactSerializer,
        responses={200: ContactSerializer, 201: ContactSerializer},
    )
    def post(self, request):
        return idempotent(request, lambda: self._upsert(request))

    def _upsert(self, request):
        match = request.query_params.get("match", "no")
        if match not in UPSERT_MATCH:
            raise serializers.ValidationError({"match": [_("Match on no, email or external_id.")]})
        value = request.data.get(match) if isinstance(request.data, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise serializers.ValidationError({match: [NO_MATCH_VALUE % {"field": match}]})
        if "\x00" in value:  # PostgreSQL's text cannot hold it: the lookup failed (500)
            raise serializers.ValidationError({match: [ProhibitNullCharactersValidator.message]})
        value = value.strip().upper() if match == "no" else value.strip()
        # save_contact locks the row it updates (core.concurrency.lock_stored).
        found = list(Contact.objects.filter(**{UPSERT_MATCH[match]: value}).order_by("pk")[:2])
        if len(found) > 1:
            raise serializers.ValidationError({match: [SEVERAL_MATCHES % {"field": match}]})
        if found and not request.user.has_perm("contacts.change_contact"):
            raise PermissionDenied
        contact = found[0] if found else None
        serializer = ContactSerializer(contact, data=request.data, partial=contact is not None)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if contact is None:
            contact = Contact()
        else:
            data.pop("no", None)
        if "company" in data:
            company = data.pop("company") or {}
            contact.company = company.get("no") if isinstance(company, dict) else None
        for name, field_value in data.items():
            setattr(contact, name, field_value)
        created = contact.pk is None
        contact = contact_services.save_contact(contact=contact, user=request.user)
        return Response(
            ContactSerializer(contact).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Campaigns ---------------------------------------------------------------------


class CampaignList(generics.ListAPIView):
    """Campaigns, with the campaign list's filters and search ``q`` and NAV's filter
    syntax on No. and description."""

    queryset = Campaign.objects.select_related("status", "salesperson")
    serializer_class = CampaignSerializer
    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]
    filterset_class = CampaignNavFilter


class CampaignDetail(generics.RetrieveAPIView):
    """One campaign with the figures of its statistics page."""

    queryset = Campaign.objects.select_related("status", "salesperson")
    serializer_class = CampaignDetailSerializer
    lookup_field = "no"

    def get_object(self):
        campaign = super().get_object()
        campaign.figures = campaign_statistics(campaign)
        return campaign


class CampaignAction(APIView):
    """Activate or deactivate a campaign's prices (the pages' buttons)."""

    required_permission = "pricing.activate_campaign"
    activate = True

    @extend_schema(request=None, responses=ActivationSerializer)
    def post(self, request, no):
        return idempotent(request, lambda: self._act(request, no))

    def _act(self, request, no):
        campaign = get_object_or_404(Campaign, no=no)
        if self.activate:
            targets = pricing_services.activate_campaign(campaign=campaign, user=request.user)
            targets = targets.targets
        else:
            targets = pricing_services.deactivate_campaign(campaign=campaign, user=request.user)
        campaign = Campaign.objects.select_related("status", "salesperson").get(pk=campaign.pk)
        return Response({"campaign": CampaignSerializer(campaign).data, "targets": targets})


class CampaignActivate(CampaignAction):
    activate = True


class CampaignDeactivate(CampaignAction):
    activate = False


# --- Interactions ------------------------------------------------------------------


class InteractionList(IdempotentCreateMixin, generics.ListCreateAPIView):
    """Logged interactions, newest first, of a ``contact`` or a ``campaign`` (by No.);
    POST logs one for a contact (e.g. a web form's campaign response)."""

    serializer_class = InteractionSerializer
    pagination_class = ById

    def get_queryset(self):
        queryset = InteractionLogEntry.objects.select_related(
            "contact", "campaign", "template", "salesperson"
        )
        contact = self.request.query_params.get("contact")
        campaign = self.request.query_params.get("campaign")
        if contact:
            queryset = queryset.filter(contact__no=contact)
        if campaign:
            queryset = queryset.filter(campaign__no=campaign)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("contact", str, description="A contact's No."),
            OpenApiParameter("campaign", str, description="A campaign's No."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def perform_create(self, serializer):
        interaction = InteractionLogEntry(**serializer.validated_data)
        serializer.instance = campaign_services.log_interaction(
            interaction=interaction, user=self.request.user
        )


# --- Prices ------------------------------------------------------------------------

UNKNOWN = _("%(what)s %(key)s does not exist.")


class BestPrice(APIView):
    """The best price and line discount for a customer, item, unit, quantity and date,
    with the engine's trace of every candidate (docs/pricing.md, Why this price?)."""

    required_permission = "pricing.view_salesprice"

    @extend_schema(parameters=[PriceQuerySerializer], responses=PriceSerializer)
    def get(self, request):
        query = PriceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        customer = (
            Customer.objects.select_related("price_group", "discount_group")
            .filter(no=data["customer"].strip().upper())
            .first()
        )
        item = (
            Item.objects.select_related("item_discount_group")
            .filter(no=data["item"].strip().upper())
            .first()
        )
        errors = {}
        if customer is None:
            errors["customer"] = [UNKNOWN % {"what": _("Customer"), "key": data["customer"]}]
        if item is None:
            errors["item"] = [UNKNOWN % {"what": _("Item"), "key": data["item"]}]
        unit_id = None
        if data.get("unit"):
            unit_id = (
                UnitOfMeasure.objects.filter(code=data["unit"].strip().upper())
                .values_list("pk", flat=True)
                .first()
            )
            if unit_id is None:
                errors["unit"] = [UNKNOWN % {"what": _("Unit of measure"), "key": data["unit"]}]
        if errors:
            raise serializers.ValidationError(errors)
        request_ = engine.PriceRequest(
            item=item,
            quantity=data["quantity"],
            unit_of_measure_id=unit_id,
            currency_code=data.get("currency") or "",
            date=data.get("date"),
        )
        result = engine.price_lines(customer, [request_], data.get("date"))[0]
        return Response(result.as_json(), status=status.HTTP_200_OK)
