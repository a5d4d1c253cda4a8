"""Contacts in bulk: ``POST /api/v1/contacts/bulk-upsert/`` (docs/api.md, Bulk upsert and
external ids). The view checks the envelope; every row is checked and written by the
service, ``contacts.importing.upsert.upsert_contacts``, set-based and all or nothing."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.serializers import ContactSerializer
from contacts.importing.upsert import MATCHES, MAX_ROWS, ContactRowsError, upsert_contacts
from contacts.models import Contact
from core.presentation import count_text

NOT_A_LIST = _("Send from 1 to %(max)s contacts at once.")


class BulkUpsertRequest(serializers.Serializer):
    contacts = ContactSerializer(many=True, help_text=_("1 to 10,000 contacts."))


class BulkUpsertRow(serializers.Serializer):
    no = serializers.CharField()
    created = serializers.BooleanField()


class BulkUpsertResponse(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    contacts = BulkUpsertRow(many=True)


class ContactBulkUpsert(APIView):
    """Create or update up to 10,000 contacts at once, matched on their No.
    (``?match=no``, the default), e-mail (``?match=email``) or external id
    (``?match=external_id``): every contact or, when any is wrong, none."""

    queryset = Contact.objects.all()  # POST: contacts.add_contact; an update also change

    @extend_schema(
        parameters=[OpenApiParameter("match", str, enum=list(MATCHES))],
        request=BulkUpsertRequest,
        responses={200: BulkUpsertResponse},
    )
    def post(self, request):
        return idempotent(request, lambda: self._upsert(request))

    def _upsert(self, request):
        match = request.query_params.get("match", "no")
        rows = request.data.get("contacts") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not (1 <= len(rows) <= MAX_ROWS):
            raise serializers.ValidationError(
                {"contacts": [NOT_A_LIST % {"max": count_text(MAX_ROWS)}]}
            )
        try:
            result = upsert_contacts(rows=rows, match=match, user=request.user)
        except ContactRowsError as error:
            raise serializers.ValidationError(
                {"contacts": {str(index): fields for index, fields in error.row_errors.items()}}
            ) from None
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "contacts": [{"no": no, "created": made} for no, made in result.rows],
            },
            status=status.HTTP_200_OK,
        )
