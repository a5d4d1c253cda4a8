"""Placeholders in the text of letters and e-mails: ``{name}``, ``{company}`` …

A fixed list of contact fields, replaced as plain text (no template language,
so a template written by a user can reach nothing else)."""

import re

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def contact_values(contact) -> dict:
    company = contact.company if contact.company_id else None
    salesperson = contact.salesperson if contact.salesperson_id else None
    return {
        "no": contact.no,
        "name": contact.name,
        "company": company.name if company else contact.name,
        "job_title": contact.job_title,
        "address": contact.address,
        "post_code": contact.post_code,
        "city": contact.city,
        "country_code": contact.country_code,
        "email": contact.email,
        "phone": contact.phone,
        "salesperson": salesperson.name if salesperson else "",
    }


PLACEHOLDERS = sorted(
    [
        "no",
        "name",
        "company",
        "job_title",
        "address",
        "post_code",
        "city",
        "country_code",
        "email",
        "phone",
        "salesperson",
    ]
)


def render_placeholders(text: str, contact) -> str:
    """``text`` with every known ``{placeholder}`` replaced by the contact's value."""
    values = contact_values(contact)
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text or "")
