"""Large contact imports go to the job queue (docs/contacts.md, Import)."""

import io
import re
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from contacts import importing
from contacts.models import Contact
from core.jobs import recover_stalled_jobs
from core.models import Job
from tests.contacts import csv_bytes, generated_rows
from tests.factories import (
    BusinessRelationFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("contacts:contact_import")


@pytest.fixture(autouse=True)
def _small_threshold(monkeypatch, settings, tmp_path):
    settings.CONTACT_IMPORT_DIR = tmp_path / "imports"
    monkeypatch.setattr(importing.jobs, "QUEUE_THRESHOLD", 10)


@pytest.fixture
def codes():
    """The codes ``generated_rows`` uses."""
    SalespersonFactory(code="JD")
    IndustryGroupFactory(code="RETAIL")
    BusinessRelationFactory(code="PROS")
    JobResponsibilityFactory(code="PURCHASE")
    MailingGroupFactory(code="NEWSLETTER")


def confirm(client, data):
    client.post(IMPORT_URL, {"file": SimpleUploadedFile("contacts.csv", data, "text/csv")})
    token = client.session["contact_import_tokens"][-1]
    return client.post(IMPORT_URL, {"token": token})


def test_a_file_above_the_threshold_is_imported_by_a_job_with_progress(
    manager_client,
    manager,
    codes,
    django_capture_on_commit_callbacks,
):
    data = csv_bytes(generated_rows(12))
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(manager_client, data)
    job = Job.objects.get()
    assert response.url == f"{IMPORT_URL}?job={job.pk}"
    job.refresh_from_db()
    assert (job.kind, job.user, job.state) == (Job.Kind.CONTACT_IMPORT, manager, Job.State.DONE)
    assert (job.processed, job.total) == (12, 12)
    assert job.payload is None  # the file is not kept once imported
    assert Contact.objects.count() == 12
    page = manager_client.get(response.url).content.decode()
    assert f'id="job-{job.pk}"' in page
    assert "12 of 12 processed" in page
    assert reverse("contacts:contact_list") in page


def test_a_file_at_the_threshold_is_imported_at_once(manager_client, codes):
    response = confirm(manager_client, csv_bytes(generated_rows(10)))
    assert response.url == reverse("contacts:contact_list")
    assert not Job.objects.exists()
    assert Contact.objects.count() == 10


def test_an_import_killed_midway_leaves_nothing_and_runs_again_without_duplicates(
    monkeypatch,
    codes,
    django_capture_on_commit_callbacks,
):
    real_import = importing.jobs.import_contacts

    def killed_after_the_first_batch(**kwargs):
        def progress(done, total):
            kwargs["progress"](done, total)
            if done:
                raise SystemExit("worker killed")

        return real_import(**{**kwargs, "progress": progress, "batch_size": 5})

    data = csv_bytes(generated_rows(20))
    monkeypatch.setattr(importing.jobs, "import_contacts", killed_after_the_first_batch)
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.queue_import(data=data)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING  # the worker died
    assert not Contact.objects.exists()  # all or nothing

    monkeypatch.setattr(importing.jobs, "import_contacts", real_import)
    # The killed worker's process is gone: the next recovery round takes the job over.
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{2**22 + 1}:x")
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_jobs() == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.processed, job.total) == (Job.State.DONE, 20, 20)
    assert Contact.objects.count() == 20
    # Delivered once more (e.g. requeued by mistake): a done job does nothing.
    from core.jobs import run_job

    run_job.call(job.pk)
    assert Contact.objects.count() == 20


def test_a_job_with_bad_rows_fails_and_says_why(codes, django_capture_on_commit_callbacks):
    rows = generated_rows(12)
    rows[3]["email"] = "broken"
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.queue_import(data=csv_bytes(rows))
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert re.search("Row 5: .*broken", job.error)
    assert not Contact.objects.exists()


def test_the_command_queues_the_import_with_queue(
    tmp_path, codes, django_capture_on_commit_callbacks
):
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes(generated_rows(12)))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_contacts", str(path), "--queue", stdout=out)
    job = Job.objects.get()
    assert f"as job {job.pk}" in out.getvalue()
    assert job.description == "Import of 12 contact rows (contacts.csv)"
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert Contact.objects.count() == 12
