from django.urls import include, path

from mailings import consent_views, preview_views, public_views, views
from mailings.webhooks import tracking_urls

app_name = "mailings"

urlpatterns = [
    # Reached from e-mails, without a login.
    path("mail/unsubscribe/<str:token>/", public_views.Unsubscribe.as_view(), name="unsubscribe"),
    path("mail/response/<str:token>/", public_views.Response.as_view(), name="response"),
    # From the e-mail service (anymail), protected by ANYMAIL_WEBHOOK_SECRET.
    path("mail/webhooks/", include((tracking_urls(), "anymail"), namespace="anymail")),
    path(
        "logged-segments/<int:key>/emails/retry/",
        views.RetryFailedEmails.as_view(),
        name="retry_failed",
    ),
    path(
        "logged-segments/<int:key>/emails/send-uncertain/",
        views.ResendUncertainEmails.as_view(),
        name="resend_uncertain",
    ),
    path(
        "logged-segments/<int:key>/emails/mark-uncertain-sent/",
        views.MarkUncertainEmailsSent.as_view(),
        name="mark_uncertain_sent",
    ),
    # Before logging: the segment's e-mails as they will be sent, and a test to oneself.
    path(
        "segments/<str:key>/email-preview/",
        preview_views.SegmentEmailPreview.as_view(),
        name="segment_email_preview",
    ),
    path(
        "segments/<str:key>/email-preview/send-test/",
        preview_views.SendTestEmail.as_view(),
        name="segment_send_test_email",
    ),
    # A contact's consent, from the contact card.
    path(
        "contacts/<str:key>/email-consent/opt-out/",
        consent_views.RecordOptOut.as_view(),
        name="contact_record_opt_out",
    ),
    path(
        "contacts/<str:key>/email-consent/clear-opt-out/",
        consent_views.ClearOptOut.as_view(),
        name="contact_clear_opt_out",
    ),
    path(
        "contacts/<str:key>/email-consent/unblock/",
        consent_views.UnblockAddress.as_view(),
        name="contact_unblock_address",
    ),
]
