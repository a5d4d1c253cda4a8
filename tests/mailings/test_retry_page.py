"""The *Retry failed e-mails* action on the logged segment card (docs/mailings.md)."""

from django.urls import reverse

from tests.mailings.conftest import log_with_emails, recipients

BACKENDS = "tests.mailings.conftest"


def test_the_retry_action_asks_first_then_sends_only_the_failed_emails(
    manager_client, world, campaign, email_template, mailoutbox, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.EMAIL_BACKEND = f"{BACKENDS}.FailingForP3Backend"
    result = log_with_emails(
        world, campaign, email_template, callbacks=django_capture_on_commit_callbacks
    )
    logged = result.logged_segment
    card = manager_client.get(logged.get_absolute_url()).content.decode()
    url = reverse("mailings:retry_failed", kwargs={"key": logged.pk})
    assert url in card
    assert "Retry failed e-mails" in card
    assert "the 1 e-mail of logged segment" in manager_client.get(url).content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url)
    assert response.url == logged.get_absolute_url()
    assert recipients(mailoutbox) == ["p3@acme.example"]
    # Nothing failed any more: the action refuses with a message.
    response = manager_client.post(url, follow=True)
    assert "No e-mail of this logged segment has failed." in response.content.decode()
    assert len(mailoutbox) == 1
