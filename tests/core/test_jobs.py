"""Jobs: state, progress, the Jobs list and the progress panel (docs/architecture.md,
Background jobs)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import jobs
from core.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = Job.Kind.CONTACT_IMPORT


@pytest.fixture
def handler(monkeypatch):
    """Replace the handler of KIND by whatever a test sets in ``calls["run"]``."""
    calls = {"run": lambda job, progress: ""}
    monkeypatch.setitem(jobs.HANDLERS, KIND, lambda job, progress: calls["run"](job, progress))
    return calls


def run(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_job(kind=KIND, **kwargs)
    job.refresh_from_db()
    return job


def test_a_job_is_queued_then_runs_and_ends_done_with_its_progress(
    handler, django_capture_on_commit_callbacks
):
    seen = []

    def work(job, progress):
        seen.append(Job.objects.get(pk=job.pk).state)
        for done in range(1, 4):
            progress(done, 3)
        return ""

    handler["run"] = work
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.start_job(kind=KIND, total=3)
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED  # not before commit
    callbacks[0]()
    job.refresh_from_db()
    assert seen == [Job.State.RUNNING]
    assert (job.state, job.processed, job.total, job.attempts) == (Job.State.DONE, 3, 3, 1)
    assert job.percent == 100
    assert job.started_at <= job.finished_at
    assert job.task_result_id


def test_a_job_that_raises_is_failed_with_the_reason(handler, django_capture_on_commit_callbacks):
    def work(job, progress):
        progress(1, 2)
        raise ValidationError("The file has no name column.")

    handler["run"] = work
    job = run(django_capture_on_commit_callbacks, total=2)
    assert job.state == Job.State.FAILED
    assert job.error == "The file has no name column."
    assert job.processed == 1
    assert job.finished_at


def test_a_failed_job_can_run_again_and_a_done_job_cannot(
    handler, django_capture_on_commit_callbacks
):
    attempts = []

    def work(job, progress):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("mail server down")
        return ""

    handler["run"] = work
    job = run(django_capture_on_commit_callbacks)
    assert (job.state, job.error) == (Job.State.FAILED, "RuntimeError: mail server down")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.requeue_job(job)
    job.refresh_from_db()
    assert (job.state, job.error, job.attempts) == (Job.State.DONE, "", 2)
    with pytest.raises(ValidationError):
        jobs.requeue_job(job)


def test_the_jobs_list_shows_a_user_their_own_jobs_and_a_manager_everyones(client, manager, staff):
    mine = Job.objects.create(kind=KIND, user=staff, description="Staff import")
    other = Job.objects.create(kind=KIND, user=manager, description="Manager import")
    client.force_login(staff)
    page = client.get(reverse("core:job_list")).content.decode()
    assert "Staff import" in page
    assert "Manager import" not in page
    assert client.get(reverse("core:job_card", kwargs={"key": other.pk})).status_code == 404
    assert client.get(reverse("core:job_card", kwargs={"key": mine.pk})).status_code == 200
    client.force_login(manager)
    page = client.get(reverse("core:job_list")).content.decode()
    assert "Staff import" in page
    assert "Manager import" in page


def test_read_only_users_see_their_own_jobs_only(client, viewer, manager):
    Job.objects.create(kind=KIND, user=manager, description="Manager import")
    client.force_login(viewer)
    response = client.get(reverse("core:job_list"))
    assert response.status_code == 200
    assert "Manager import" not in response.content.decode()
    assert not viewer.has_perm("core.view_all_jobs")


def test_the_jobs_list_is_in_the_menu(manager_client):
    assert reverse("core:job_list") in manager_client.get(reverse("home")).content.decode()


def test_the_progress_panel_polls_until_the_job_ends(manager_client, manager):
    job = Job.objects.create(
        kind=KIND, user=manager, state=Job.State.RUNNING, processed=40, total=100
    )
    url = reverse("core:job_progress", kwargs={"key": job.pk})
    panel = manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in panel
    assert "40 of 100 processed" in panel
    assert "<html" not in panel
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE, processed=100, result_url="/contacts/"
    )
    panel = manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in panel
    assert 'href="/contacts/"' in panel


def test_a_stuck_job_can_be_run_again_from_its_page(
    manager_client, manager, handler, django_capture_on_commit_callbacks
):
    job = Job.objects.create(kind=KIND, user=manager, state=Job.State.RUNNING)
    page = manager_client.get(job.get_absolute_url()).content.decode()
    url = reverse("core:job_requeue", kwargs={"key": job.pk})
    assert url in page
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url)
    assert response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == Job.State.DONE


def test_only_users_who_may_change_jobs_run_them_again(viewer_client, viewer):
    job = Job.objects.create(kind=KIND, user=viewer, state=Job.State.FAILED)
    url = reverse("core:job_requeue", kwargs={"key": job.pk})
    assert viewer_client.post(url).status_code == 403


def test_a_user_without_a_role_sees_no_jobs(client):
    user = UserFactory(username="nobody")
    client.force_login(user)
    assert client.get(reverse("core:job_list")).status_code == 403


@pytest.mark.django_db
def test_progress_inside_one_long_transaction_reaches_the_panel_on_sqlite(
    manager_client, manager, settings, tmp_path
):
    """An import's writes only show at commit; its progress goes beside the database."""
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL reports this progress through a second connection")
    settings.JOB_PROGRESS_DIR = str(tmp_path)
    job = Job.objects.create(kind="test", user=manager, state=Job.State.RUNNING, total=10)
    progress = jobs.Progress(job)
    with transaction.atomic():
        progress(10_000, 200_000, in_transaction=True)
        assert Job.objects.get(pk=job.pk).processed == 0  # not written to the table
    page = manager_client.get(reverse("core:job_progress", kwargs={"key": job.pk}))
    assert "10,000 of 200,000 processed" in page.content.decode()
    progress.close()
    assert list(tmp_path.iterdir()) == []
