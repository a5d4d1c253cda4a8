"""The four classification-code tables of a contact, listed once.

The contact list filters, the CSV import and export, the contact service and the
segment criteria all walk this list; a fifth table is one more ``CodeGroup`` here.
Which contacts a table's codes apply to is described in docs/contacts.md
(classification codes).
"""

from dataclasses import dataclass

from django.db import models

from contacts.models import (
    BusinessRelation,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from core.models import CodeTable


@dataclass(frozen=True)
class CodeGroup:
    """One classification-code table and how a contact holds its codes."""

    # The contact's many-to-many field; also the CSV column and the criteria filter.
    name: str
    code_model: type[CodeTable]
    # The link table and its foreign key to the code (``industry_group``).
    through: type[models.Model]
    code_field: str
    # The only contact type the codes apply to; None: any contact.
    applies_to: str | None

    @property
    def label(self):
        """The code table's name, e.g. "industry group" (translatable)."""
        return self.code_model._meta.verbose_name

    @property
    def of_company(self) -> bool:
        """Codes held by a company; they describe its persons too."""
        return self.applies_to == ContactType.COMPANY


INDUSTRY_GROUPS = CodeGroup(
    "industry_groups", IndustryGroup, ContactIndustryGroup, "industry_group", ContactType.COMPANY
)
BUSINESS_RELATIONS = CodeGroup(
    "business_relations",
    BusinessRelation,
    ContactBusinessRelation,
    "business_relation",
    ContactType.COMPANY,
)
JOB_RESPONSIBILITIES = CodeGroup(
    "job_responsibilities",
    JobResponsibility,
    ContactJobResponsibility,
    "job_responsibility",
    ContactType.PERSON,
)
MAILING_GROUPS = CodeGroup(
    "mailing_groups", MailingGroup, ContactMailingGroup, "mailing_group", None
)

CODE_GROUPS = (INDUSTRY_GROUPS, BUSINESS_RELATIONS, JOB_RESPONSIBILITIES, MAILING_GROUPS)
