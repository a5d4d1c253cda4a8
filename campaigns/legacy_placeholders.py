"""The old ``{name}`` placeholders of interaction template texts and the merge fields
that replaced them (docs/campaigns.md, Merge fields).

Used by the data migration that moved the texts into language versions (both ways)
and for a subject typed the old way (``rendering.render_content``'s fallback subject).
A migration depends on it: change it only in ways old texts survive.
"""

import re

# Each old placeholder and its merge field.
MERGE_FIELD_OF = {
    "no": "contact.no",
    "name": "contact.name",
    "company": "company.name",
    "job_title": "contact.job_title",
    "address": "contact.address",
    "post_code": "contact.post_code",
    "city": "contact.city",
    "country_code": "contact.country_code",
    "email": "contact.email",
    "phone": "contact.phone",
    "salesperson": "salesperson.name",
}
PLACEHOLDER_OF = {field: name for name, field in MERGE_FIELD_OF.items()}

OLD_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A "{" that would open a tag, variable or comment of the template language.
OPENER = re.compile(r"\{(?=[{%#])")
OPEN_BRACE = "{% templatetag openbrace %}"
MERGE_FIELD = re.compile(r"\{\{\s*(\w+\.\w+)\s*\}\}")
TEMPLATETAG = re.compile(r"\{%\s*templatetag\s+(openbrace|closebrace)\s*%\}")


def to_merge_fields(text: str) -> str:
    """``text`` of the old kind (plain text with ``{placeholders}``) as a template text:
    each known placeholder becomes its merge field (``{name}`` → ``{{ contact.name }}``),
    an unknown one stays as it was typed, and a ``{`` that the template language would
    read as the start of a tag is kept as text (``{% templatetag openbrace %}``)."""
    parts = []
    position = 0
    for match in OLD_PLACEHOLDER.finditer(text or ""):
        field = MERGE_FIELD_OF.get(match.group(1))
        if field is None:
            continue
        literal = OPENER.sub(OPEN_BRACE, text[position : match.start()])
        if literal.endswith("{"):  # "{{name}": the brace must not join the merge field
            literal = literal[:-1] + OPEN_BRACE
        parts += [literal, f"{{{{ {field} }}}}"]
        position = match.end()
    parts.append(OPENER.sub(OPEN_BRACE, (text or "")[position:]))
    return "".join(parts)


def to_placeholders(text: str) -> str:
    """The way back: each merge field that was a placeholder becomes that placeholder
    again and a kept brace a brace; everything else stays as it is."""

    def placeholder(match):
        name = PLACEHOLDER_OF.get(match.group(1))
        return f"{{{name}}}" if name else match.group(0)

    text = MERGE_FIELD.sub(placeholder, text or "")
    return TEMPLATETAG.sub(lambda m: "{" if m.group(1) == "openbrace" else "}", text)


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, never inside a tag or merge field (a
    converted subject can grow past the field's length)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    opened = max(cut.rfind("{{"), cut.rfind("{%"))
    closed = max(cut.rfind("}}"), cut.rfind("%}"))
    if opened > closed:
        cut = cut[:opened]
    return cut.rstrip()
