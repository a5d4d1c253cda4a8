"""What the e-mail app does when lower apps report events."""

from segments.signals import segment_logged


def on_segment_logged(sender, *, logged_segment, user=None, send_emails=False, language="", **kw):
    if not send_emails:
        return None
    from mailings.services import start_sending

    return start_sending(logged=logged_segment, user=user, language=language)


def connect():
    segment_logged.connect(on_segment_logged, dispatch_uid="mailings.on_segment_logged")
