"""The segment routes of the API (docs/api.md, Segments): segments with their lines and
criteria steps, the criteria actions Add contacts, Reduce, Refine and Go back, and the
logged segments with their e-mail delivery ledger.

The actions run the same services as the segment card's buttons
(``segments.services.add_contacts`` …) with the criteria checked by the same forms,
under the same permission (``segments.change_segment``)."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.segment_serializers import (
    PICKED,
    AddCriteriaSerializer,
    DeliverySerializer,
    LoggedSegmentDetailSerializer,
    LoggedSegmentSerializer,
    RemoveCriteriaSerializer,
    SegmentActionResultSerializer,
    SegmentDetailSerializer,
    SegmentLineSerializer,
    SegmentSerializer,
)
from api.views import ById, ByNo
from campaigns.models import CampaignEntry, InteractionLogEntry
from core.pagination import CURSOR_PARAM, paginate
from mailings.models import DeliveryState, EmailDelivery
from segments import services
from segments.filters import LoggedSegmentFilter, SegmentFilter
from segments.models import LoggedSegment, Segment, SegmentCriteriaAction, SegmentLine

NOT_AN_OBJECT = _("Send the criteria as a JSON object.")
UNKNOWN_CRITERION = _("Unknown criterion: the names are those of the page's form.")
NOT_A_STATE = _("Choose one of the states: %(states)s.")
SEGMENT_NO = OpenApiParameter("no", str, OpenApiParameter.PATH, description="The segment's No.")
ENTRY_NO = OpenApiParameter(
    "pk", int, OpenApiParameter.PATH, description="The logged segment's entry No."
)


class Keyset(CursorPagination):
    """Keyset pages in the queryset's own order (``core.pagination``, as the segment
    card pages its lines): one query a page, as fast on the last page as on the first,
    and no ``COUNT(*)``. The lines of a segment are ordered (segment, id) so that the
    index on (segment, id) serves the order (``SegmentLine.objects.of_segment_in_order``),
    which DRF's cursor, ordering by one column, cannot."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_param = CURSOR_PARAM

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.page = paginate(
            queryset,
            cursor=request.query_params.get(self.cursor_query_param),
            per_page=self.page_size,
            query=request.query_params,
        )
        if self.page.invalid_cursor:
            raise NotFound(self.invalid_cursor_message)
        return list(self.page)

    def _link(self, url):
        return None if url is None else self.request.build_absolute_uri(self.request.path + url)

    def get_next_link(self):
        return self._link(self.page.next_url)

    def get_previous_link(self):
        return self._link(self.page.previous_url)


# --- Segments ------------------------------------------------------------------------

SEGMENT_RELATED = ("campaign", "salesperson", "interaction_template")


def segment_detail(segment_no: str) -> Segment:
    """The segment with what its detail shows, in two queries (header and steps)."""
    steps = SegmentCriteriaAction.objects.select_related("user").order_by("sequence")
    queryset = Segment.objects.select_related(*SEGMENT_RELATED).prefetch_related(
        Prefetch("criteria_actions", queryset=steps)
    )
    return get_object_or_404(queryset, no=segment_no)


class SegmentList(generics.ListAPIView):
    """Segments in No. order, with the segment list's filters and search ``q``."""

    queryset = Segment.objects.select_related(*SEGMENT_RELATED)
    serializer_class = SegmentSerializer
    pagination_class = ByNo
    filter_backends = [DjangoFilterBackend]
    filterset_class = SegmentFilter


class SegmentDetail(APIView):
    """One segment: its header, number of lines, criteria steps and version."""

    required_permission = "segments.view_segment"

    @extend_schema(parameters=[SEGMENT_NO], responses=SegmentDetailSerializer)
    def get(self, request, no):
        return Response(SegmentDetailSerializer(segment_detail(no)).data)


LINE_RELATED = (
    "contact",
    "contact_company",
    "campaign",
    "salesperson",
    "interaction_template",
    "added_by",
)


class SegmentLineList(generics.ListAPIView):
    """The lines of a segment in the order they were made, a keyset page at a time."""

    required_permission = "segments.view_segment"
    serializer_class = SegmentLineSerializer
    pagination_class = Keyset
    queryset = SegmentLine.objects.none()  # the schema's model; get_queryset reads

    def get_queryset(self):
        segment = get_object_or_404(Segment.objects.only("pk"), no=self.kwargs["no"])
        return SegmentLine.objects.of_segment_in_order(segment).select_related(*LINE_RELATED)

    @extend_schema(parameters=[SEGMENT_NO])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def read_criteria(data, serializer_class) -> tuple[dict, dict]:
    """``(filters, options)`` from the request's JSON object, checked as the page checks
    them: the shape by ``serializer_class``, then the values by the page's form (codes
    that exist, NAV filter syntax, the dates' order). Refusals are 400 with the errors
    by criterion."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
    serializer = serializer_class(data=data)
    unknown = sorted(str(name) for name in data if name not in serializer.fields)
    if unknown:
        raise serializers.ValidationError({name: [UNKNOWN_CRITERION] for name in unknown})
    serializer.is_valid(raise_exception=True)
    values = {name: value for name, value in serializer.validated_data.items() if value is not None}
    picked = values.pop(PICKED, None)
    form = serializer_class.form_class(data=values)
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                ("non_field_errors" if name == "__all__" else name): list(messages)
                for name, messages in form.errors.items()
            }
        )
    filters = form.filters()
    if picked:
        filters[PICKED] = sorted({no.strip().upper() for no in picked})
    options = {name: form.cleaned_data[name] for name in form.OPTIONS}
    return filters, options


class SegmentAction(APIView):
    """A criteria action of the segment card (POST, ``Idempotency-Key`` honoured):
    answers the segment as it is now and how many lines were added and removed."""

    required_permission = "segments.change_segment"
    criteria = None  # the serializer of the request body; None: no body

    def post(self, request, no):
        return idempotent(request, lambda: self._act(request, no))

    def _act(self, request, no):
        segment = get_object_or_404(Segment, no=no)
        result = self.perform(segment, request)
        action = result.action
        return Response(
            SegmentActionResultSerializer(
                {
                    "segment": segment_detail(segment.no),
                    "added": result.added,
                    "removed": result.removed,
                    "action": action,
                }
            ).data
        )

    def perform(self, segment, request) -> services.ActionResult:
        raise NotImplementedError


ACTION_RESPONSES = {200: SegmentActionResultSerializer}


class SegmentAddContacts(SegmentAction):
    """*Add contacts*: the contacts matching every criterion become lines."""

    @extend_schema(
        parameters=[SEGMENT_NO], request=AddCriteriaSerializer, responses=ACTION_RESPONSES
    )
    def post(self, request, no):
        return super().post(request, no)

    def perform(self, segment, request):
        filters, options = read_criteria(request.data, AddCriteriaSerializer)
        return services.add_contacts(segment=segment, filters=filters, user=request.user, **options)


class SegmentReduce(SegmentAction):
    """*Reduce contacts*: remove the lines whose contact matches the criteria."""

    service = staticmethod(services.reduce_contacts)

    @extend_schema(
        parameters=[SEGMENT_NO], request=RemoveCriteriaSerializer, responses=ACTION_RESPONSES
    )
    def post(self, request, no):
        return super().post(request, no)

    def perform(self, segment, request):
        filters, options = read_criteria(request.data, RemoveCriteriaSerializer)
        return self.service(
            segment=segment,
            filters=filters,
            entire_companies=options["entire_companies"],
            user=request.user,
        )


class SegmentRefine(SegmentReduce):
    """*Refine contacts*: keep only the lines whose contact matches the criteria."""

    service = staticmethod(services.refine_contacts)


class SegmentGoBack(SegmentAction):
    """*Go back*: undo the last criteria step exactly (400 when there is none)."""

    @extend_schema(parameters=[SEGMENT_NO], request=None, responses=ACTION_RESPONSES)
    def post(self, request, no):
        return super().post(request, no)

    def perform(self, segment, request):
        return services.go_back(segment=segment, user=request.user)


# --- Logged segments ---------------------------------------------------------------


class LoggedSegmentList(generics.ListAPIView):
    """Logged segments, newest first, with the logged segment list's filters."""

    queryset = LoggedSegment.objects.select_related("user")
    serializer_class = LoggedSegmentSerializer
    pagination_class = ById
    filter_backends = [DjangoFilterBackend]
    filterset_class = LoggedSegmentFilter


class LoggedSegmentDetail(APIView):
    """One logged segment by entry No.: its interactions' figures, campaign entries and
    e-mail delivery ledger by state (as its card shows them)."""

    required_permission = "segments.view_loggedsegment"

    @extend_schema(parameters=[ENTRY_NO], responses=LoggedSegmentDetailSerializer)
    def get(self, request, pk):
        logged = get_object_or_404(LoggedSegment.objects.select_related("user"), pk=pk)
        interactions = InteractionLogEntry.objects.filter(logged_segment=logged)
        # An entry that an earlier logging of the same segment No. made belongs to this
        # one through its interactions (docs/campaigns.md, Campaign entries), as on the card.
        logged.entries_of_logging = list(
            CampaignEntry.objects.filter(
                Q(logged_segment=logged) | Q(id__in=interactions.values("campaign_entry_id"))
            )
            .select_related("campaign")
            .order_by("id")
        )
        logged.figures = interactions.figures(canceled=logged.canceled)
        ledger = EmailDelivery.objects.of_logged_segment(logged.pk)
        deliveries = ledger.counts()
        deliveries["skipped_reasons"] = dict(
            ledger.filter(state=DeliveryState.SKIPPED)
            .order_by()
            .values_list("skip_reason")
            .annotate(n=Count("pk"))
        )
        logged.deliveries = deliveries
        return Response(LoggedSegmentDetailSerializer(logged).data)


class ByInteraction(ByNo):
    ordering = "interaction_id"


class DeliveryList(generics.ListAPIView):
    """The delivery ledger of a logged segment: one row per e-mail, in interaction
    order; ``state`` narrows it (e.g. ``failed``)."""

    required_permission = "segments.view_loggedsegment"
    serializer_class = DeliverySerializer
    pagination_class = ByInteraction
    queryset = EmailDelivery.objects.none()  # the schema's model; get_queryset reads

    def get_queryset(self):
        logged = get_object_or_404(LoggedSegment.objects.only("pk"), pk=self.kwargs["pk"])
        ledger = EmailDelivery.objects.of_logged_segment(logged.pk).select_related(
            "interaction__contact", "decided_by"
        )
        state = self.request.query_params.get("state")
        if state:
            if state not in DeliveryState.values:
                states = ", ".join(DeliveryState.values)
                raise serializers.ValidationError({"state": [NOT_A_STATE % {"states": states}]})
            ledger = ledger.filter(state=state)
        return ledger

    @extend_schema(parameters=[ENTRY_NO, OpenApiParameter("state", str, enum=DeliveryState.values)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
