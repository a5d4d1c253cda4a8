"""Exporting contacts in the import's file format, so an exported file imports again
as it is (``file_format``)."""

from collections.abc import Callable

from django.db.models import Prefetch

from contacts.codes import CODE_GROUPS
from contacts.importing.file_format import (
    BATCH_SIZE,
    CODE_SEPARATOR,
    TEXT_COLUMNS,
    cells,
    csv_writer,
)
from contacts.models import Contact


def _export_values(contact: Contact) -> dict[str, str]:
    return {
        "no": contact.no,
        "type": contact.type,
        "company_no": contact.company.no if contact.company_id else "",
        "salesperson": contact.salesperson.code if contact.salesperson_id else "",
        "language": contact.language,
        "correspondence_type": contact.correspondence_type,
        "exclude_from_segments": "yes" if contact.exclude_from_segments else "no",
        **{name: getattr(contact, name) for name in TEXT_COLUMNS},
        **{
            group.name: CODE_SEPARATOR.join(
                sorted(code.code for code in getattr(contact, group.name).all())
            )
            for group in CODE_GROUPS
        },
    }


def export_contacts_csv(
    output,
    *,
    queryset=None,
    chunk_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write contacts to text stream ``output`` in the import format; returns the count.

    Streams in chunks of ``chunk_size``; each chunk costs one query for the
    contacts and one per classification code table, whatever its size.
    """
    queryset = Contact.objects.all() if queryset is None else queryset
    queryset = (
        queryset.select_related("company", "salesperson")
        .only(
            "no",
            "type",
            "company__no",
            "salesperson__code",
            "language",
            "correspondence_type",
            "exclude_from_segments",
            *TEXT_COLUMNS,
        )
        .prefetch_related(
            *(Prefetch(g.name, queryset=g.code_model.objects.only("code")) for g in CODE_GROUPS)
        )
        .order_by("no")
    )
    writer = csv_writer(output)
    count = 0
    for contact in queryset.iterator(chunk_size=chunk_size):
        writer.writerow(cells(_export_values(contact)))
        count += 1
        if progress and count % chunk_size == 0:
            progress(count)
    return count
