"""Helpers shared by the contacts tests: CSV files built in memory."""

import csv
import io

from contacts.importing import COLUMNS


def csv_bytes(rows: list[dict], *, columns=None, delimiter=",", bom=False) -> bytes:
    """A CSV file with a header of ``columns`` (default: every column) and ``rows``."""
    columns = columns or COLUMNS
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=columns, delimiter=delimiter, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + stream.getvalue()).encode("utf-8")


def generated_rows(count: int, *, prefix: str = "IMP") -> list[dict]:
    """``count`` rows: every fifth a company with a typed No., then its persons.

    Half of the persons leave No. blank (numbers come from the series). The codes
    used must exist: industry group RETAIL, business relation PROS, job
    responsibility PURCHASE, mailing group NEWSLETTER, salesperson JD.
    """
    rows = []
    company_no = ""
    for index in range(count):
        if index % 5 == 0:
            company_no = f"{prefix}{index:06d}"
            rows.append(
                {
                    "no": company_no,
                    "type": "company",
                    "name": f"Company {index}",
                    "address": f"Main Street {index}",
                    "post_code": "1012 AB",
                    "city": "Amsterdam",
                    "country_code": "NL",
                    "phone": "+31 20 555 0000",
                    "email": f"info{index}@example.com",
                    "salesperson": "JD",
                    "language": "nl",
                    "correspondence_type": "email",
                    "industry_groups": "RETAIL",
                    "business_relations": "PROS",
                    "mailing_groups": "NEWSLETTER",
                }
            )
        else:
            rows.append(
                {
                    "no": f"{prefix}{index:06d}" if index % 2 else "",
                    "type": "person",
                    "name": f"Person {index}",
                    "company_no": company_no,
                    "job_title": "Purchaser",
                    "email": f"person{index}@example.com",
                    "job_responsibilities": "PURCHASE",
                    "mailing_groups": "NEWSLETTER",
                    "exclude_from_segments": "yes" if index % 7 == 0 else "",
                }
            )
    return rows
