"""The import in bounded memory (docs/contacts.md, Import): the file is read as a
stream and staged a chunk at a time; errors beyond the first ones are counted."""

import io
import tracemalloc

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contacts import importing
from contacts.importing import staging
from contacts.importing.file_format import READ_BLOCK
from contacts.models import Contact
from tests.contacts import csv_bytes, generated_rows
from tests.contacts.test_importing import codes  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


class CountingStream(io.BytesIO):
    """A file that counts the bytes read from it."""

    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data


def test_the_csv_file_is_read_as_its_rows_are_wanted():
    data = csv_bytes(generated_rows(30_000))  # about 3 MB
    stream = CountingStream(data)
    columns, rows = importing.stream_contacts_csv(stream)
    assert "name" in columns
    assert next(rows)[0] == 2
    assert stream.taken <= READ_BLOCK < len(data)
    assert sum(1 for _row in rows) == 29_999


def test_rows_are_checked_and_staged_a_chunk_at_a_time(codes, monkeypatch):  # noqa: F811
    monkeypatch.setattr(staging, "CHUNK_ROWS", 100)
    sizes = []
    stage_chunk = staging._stage_chunk

    def counted(validator, chunk, staged):
        sizes.append(len(chunk))
        stage_chunk(validator, chunk, staged)

    monkeypatch.setattr(staging, "_stage_chunk", counted)
    result = importing.import_contacts(data=io.BytesIO(csv_bytes(generated_rows(250))))
    assert sizes == [100, 100, 50]
    assert result.contacts == Contact.objects.count() == 250
    # Persons reach their company in an earlier chunk: every one has it.
    assert not Contact.objects.persons().filter(company__isnull=True).exists()


def memory_peak(tmp_path, rows: int) -> int:
    path = tmp_path / f"{rows}.csv"
    path.write_bytes(csv_bytes(generated_rows(rows, prefix=f"M{rows}-")))
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            importing.import_contacts(data=stream)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_file(codes, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(staging, "CHUNK_ROWS", 100)
    small = memory_peak(tmp_path, 400)
    large = memory_peak(tmp_path, 2_000)
    print(f"peak {small:,} / {large:,} bytes")
    # Five times the rows; holding them would take about five times the memory.
    assert large < small * 1.5, (small, large)


def test_beyond_the_first_errors_they_are_counted(codes, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setattr(staging, "MAX_ERRORS", 5)
    rows = [{"name": f"Bad {index}", "email": "broken"} for index in range(12)]
    rows += [{"no": "TWICE", "name": "A"}, {"no": "TWICE", "name": "B"}]
    with pytest.raises(importing.ContactImportError) as caught:
        importing.import_contacts(data=csv_bytes(rows))
    error = caught.value
    assert [e.row for e in error.row_errors] == [2, 3, 4, 5, 6]
    assert (error.total, error.error_rows, error.more) == (13, 13, 8)
    assert "8 more errors are not listed." in error.messages
    assert not Contact.objects.exists()

    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="13 rows of .* have errors; nothing was imported"):
        call_command("import_contacts", str(path), stdout=io.StringIO(), stderr=err)
    assert "8 more errors are not listed." in err.getvalue()
