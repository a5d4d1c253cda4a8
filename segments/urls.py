from django.urls import include, path

from core.urls_helpers import record_urls
from segments import criteria_views, log_views, views
from segments.models import LoggedSegment, SavedSegmentCriteria, Segment

app_name = "segments"

segment_actions = [
    path(
        "<str:key>/add-contacts/", criteria_views.AddContacts.as_view(), name="segment_add_contacts"
    ),
    path("<str:key>/reduce/", criteria_views.ReduceContacts.as_view(), name="segment_reduce"),
    path(
        "<str:key>/criteria-preview/",
        criteria_views.CriteriaPreview.as_view(),
        name="segment_criteria_preview",
    ),
    path("<str:key>/refine/", criteria_views.RefineContacts.as_view(), name="segment_refine"),
    path("<str:key>/go-back/", criteria_views.GoBack.as_view(), name="segment_go_back"),
    path("<str:key>/flags/", views.SegmentFlagsEdit.as_view(), name="segment_flags"),
    path(
        "<str:key>/save-criteria/",
        criteria_views.SaveCriteria.as_view(),
        name="segment_save_criteria",
    ),
    path(
        "<str:key>/reuse-criteria/",
        criteria_views.ReuseCriteria.as_view(),
        name="segment_reuse_criteria",
    ),
    path("<str:key>/history/", criteria_views.SegmentHistoryView.as_view(), name="segment_history"),
    path("<str:key>/log/", log_views.LogSegment.as_view(), name="segment_log"),
    path(
        "<str:key>/lines/<int:line_id>/toggle-target/",
        views.ToggleLineTarget.as_view(),
        name="segmentline_toggle_target",
    ),
    path("<str:key>/lines/<int:line_id>/edit/", views.LineEdit.as_view(), name="segmentline_edit"),
    path(
        "<str:key>/lines/<int:line_id>/delete/",
        views.LineDelete.as_view(),
        name="segmentline_delete",
    ),
]

logged_segment_actions = [
    path("<str:key>/cancel/", log_views.CancelLoggedSegment.as_view(), name="loggedsegment_cancel"),
    path(
        "<str:key>/letters/", log_views.LoggedSegmentLetters.as_view(), name="loggedsegment_letters"
    ),
    path("<str:key>/reuse/", log_views.ReuseLoggedSegment.as_view(), name="loggedsegment_reuse"),
]

urlpatterns = [
    path(
        "segments/",
        include(
            [
                *record_urls(
                    Segment,
                    list=views.SegmentList,
                    card=views.SegmentCard,
                    create=views.SegmentCreate,
                    edit=views.SegmentEdit,
                    delete=views.SegmentDelete,
                ),
                *segment_actions,
            ]
        ),
    ),
    path(
        "logged-segments/",
        include(
            [
                *record_urls(
                    LoggedSegment,
                    list=log_views.LoggedSegmentList,
                    card=log_views.LoggedSegmentCard,
                ),
                *logged_segment_actions,
            ]
        ),
    ),
    path(
        "setup/saved-segment-criteria/",
        include(
            record_urls(
                SavedSegmentCriteria,
                list=criteria_views.SavedCriteriaList,
                card=criteria_views.SavedCriteriaCard,
                delete=criteria_views.SavedCriteriaDelete,
            )
        ),
    ),
]
