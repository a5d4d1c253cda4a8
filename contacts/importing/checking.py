"""Checking a contact file before anything is written.

Every row is checked and every problem collected with its row number and column;
the database is asked once per column (salespeople, codes, No.s, companies), never
once per row. The result is a plan of the contacts to write, or the summary the
import page shows (``check_contacts_csv``).
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contacts.codes import CODE_GROUPS
from contacts.importing.file_format import (
    COLUMNS,
    FALSE_WORDS,
    TEXT_COLUMNS,
    TRUE_WORDS,
    ContactFile,
    chunks,
    read_cells,
    split_codes,
)
from contacts.models import Contact, ContactType, CorrespondenceType, Language
from contacts.services import INHERITED_FROM_COMPANY
from core.models import NumberSeries
from core.presentation import count_text
from salespeople.models import Salesperson

# An e-mail address of plain letters, digits and dots that Django's EmailValidator
# accepts (a subset of its rules): checked without the validator, which is slower.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.IGNORECASE,
)
# The rows of the file the check shows.
PREVIEW_ROWS = 20
# The rules between rows, by the staging import too (``staging``): every message takes
# the ``no`` it is about; "duplicate" also the ``other`` row.
CROSS_ROW_MESSAGES = {
    "duplicate": gettext_lazy(
        "No. %(no)s appears more than once in the file (also row %(other)d)."
    ),
    "exists": gettext_lazy("Contact No. %(no)s already exists."),
    "company_of_company": gettext_lazy(
        "A company cannot belong to company %(no)s; only persons can."
    ),
    "own_company": gettext_lazy("A contact cannot be its own company."),
    "no_company": gettext_lazy(
        "Company %(no)s does not exist: it is neither a company contact nor a company in this file."
    ),
    "not_a_company": gettext_lazy("Contact %(no)s is a person, not a company."),
}


class ContactRow:
    """A row as the contact it would create: its values by attribute name, without a
    model instance (building one per row would cost more than checking the row)."""

    __slots__ = (
        *TEXT_COLUMNS,
        "no",
        "type",
        "language",
        "correspondence_type",
        "exclude_from_segments",
        "company_id",
        "salesperson_id",
    )

    def __init__(self):
        for name in TEXT_COLUMNS:
            setattr(self, name, "")
        self.no = ""
        self.type = ContactType.COMPANY
        self.language = Language.ENGLISH
        self.correspondence_type = CorrespondenceType.BLANK
        self.exclude_from_segments = False
        self.company_id = self.salesperson_id = None


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class ContactImportError(ValidationError):
    """One or more rows are wrong; nothing was imported. ``row_errors`` lists them in
    row order, all of them or (a large file) the first ones: ``total`` errors in
    ``error_rows`` rows, ``more`` not listed."""

    def __init__(self, row_errors: list[RowError], *, total=None, rows=None):
        self.row_errors = row_errors
        self.total = len(row_errors) if total is None else total
        self.error_rows = len({error.row for error in row_errors}) if rows is None else rows
        self.more = self.total - len(row_errors)
        messages = [str(error) for error in row_errors]
        if self.more > 0:
            messages.append(more_errors_text(self.more))
        super().__init__(messages)


def more_errors_text(more: int) -> str:
    return ngettext(
        "%(count)s more error is not listed.", "%(count)s more errors are not listed.", more
    ) % {"count": count_text(more)}


@dataclass
class ImportCheck:
    """What a file would import: counts, the first rows and every error."""

    columns: list[str]
    total: int
    companies: int
    persons: int
    code_assignments: int
    preview: list[tuple[int, list[str]]]
    errors: list[RowError]
    # A large file lists its first errors only: how many there are, in how many rows.
    error_total: int | None = None
    error_row_count: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        if self.error_row_count is not None:
            return self.error_row_count
        return len({error.row for error in self.errors})

    @property
    def more_errors(self) -> int:
        return 0 if self.error_total is None else self.error_total - len(self.errors)


@dataclass
class Candidate:
    """A row as the contact it would create, with what is still to be resolved."""

    row: int
    contact: ContactRow
    company_no: str
    salesperson: str
    codes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Plan:
    """The checked file: its contacts, every error, and the id of every code used
    (``{column: {code: id}}``)."""

    candidates: list[Candidate]
    errors: list[RowError]
    code_ids: dict[str, dict[str, int]]


def _choice_aliases(choices) -> dict[str, str]:
    """Input words for a choice: its value and its label in every language."""
    aliases = {}
    for value, label in choices:
        if value:
            aliases[value.lower()] = value
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    aliases[str(label).lower()] = value
    return aliases


class Validator:
    """Checks every row; database look-ups are made once per column, not per row."""

    def __init__(self, contact_file: ContactFile):
        self.file = contact_file
        self.errors: list[RowError] = []
        self.types = _choice_aliases(ContactType.choices)
        self.languages = _choice_aliases(Language.choices)
        self.correspondence = _choice_aliases(CorrespondenceType.choices)
        self.email = EmailValidator()
        self.lengths = {
            name: Contact._meta.get_field(name).max_length for name in [*TEXT_COLUMNS, "no"]
        }
        # Field names in the user's language, translated once rather than once per row.
        self.labels = {
            name: str(Contact._meta.get_field(name).verbose_name)
            for name in [*TEXT_COLUMNS, "type", "language", "correspondence_type"]
        }

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def run(self) -> Plan:
        candidates = [self.parse_row(number, row) for number, row in self.file.rows]
        self.check_numbers(candidates)
        self.check_salespeople(candidates)
        code_ids = self.check_codes(candidates)
        # After the salespeople: a person takes its company's salesperson when blank.
        self.check_companies(candidates)
        column_order = {name: index for index, name in enumerate(COLUMNS)}
        self.errors.sort(key=lambda e: (e.row, column_order.get(e.column, -1)))
        return Plan(candidates=candidates, errors=self.errors, code_ids=code_ids)

    def parse_row(self, number: int, raw: dict) -> Candidate:
        if raw.get(None):
            self.error(
                number,
                "",
                _("The row has %(count)d more value(s) than the header has columns.")
                % {"count": len(raw[None])},
            )
        value = read_cells(raw)
        contact = ContactRow()
        for name in TEXT_COLUMNS:
            text = value[name]
            if len(text) > self.lengths[name]:
                self.error(
                    number,
                    name,
                    _("%(field)s is %(length)d characters long; at most %(max)d are allowed.")
                    % {
                        "field": capfirst(self.labels[name]),
                        "length": len(text),
                        "max": self.lengths[name],
                    },
                )
            setattr(contact, name, text)
        if not value["name"]:
            self.error(number, "name", _("Name is required."))
        if value["email"] and not _PLAIN_EMAIL.fullmatch(value["email"]):
            try:
                self.email(value["email"])
            except ValidationError:
                self.error(
                    number,
                    "email",
                    _("“%(value)s” is not a valid e-mail address.") % {"value": value["email"]},
                )
        contact.no = value["no"].upper()
        if len(contact.no) > self.lengths["no"]:
            self.error(
                number,
                "no",
                _("No. %(no)s is longer than %(max)d characters.")
                % {"no": contact.no, "max": self.lengths["no"]},
            )
        contact.type = self.choice(number, "type", value["type"], self.types, ContactType.COMPANY)
        contact.language = self.choice(
            number, "language", value["language"], self.languages, Language.ENGLISH
        )
        contact.correspondence_type = self.choice(
            number,
            "correspondence_type",
            value["correspondence_type"],
            self.correspondence,
            CorrespondenceType.BLANK,
        )
        flag = value["exclude_from_segments"].lower()
        if flag in TRUE_WORDS or flag in FALSE_WORDS:
            contact.exclude_from_segments = flag in TRUE_WORDS
        else:
            self.error(
                number,
                "exclude_from_segments",
                _("“%(value)s” is not yes or no (use 1/0, yes/no or true/false).")
                % {"value": value["exclude_from_segments"]},
            )
        candidate = Candidate(
            row=number,
            contact=contact,
            company_no=value["company_no"].upper(),
            salesperson=value["salesperson"].upper(),
        )
        for group in CODE_GROUPS:
            codes = split_codes(value[group.name])
            only_for = group.applies_to
            if codes and only_for and contact.type and contact.type != only_for:
                what = capfirst(group.code_model._meta.verbose_name_plural)
                message = (
                    _("%(what)s apply to companies only, not to a person (%(codes)s).")
                    if only_for == ContactType.COMPANY
                    else _("%(what)s apply to persons only, not to a company (%(codes)s).")
                )
                self.error(number, group.name, message % {"what": what, "codes": ", ".join(codes)})
            candidate.codes[group.name] = codes
        return candidate

    def choice(self, number, column, text, aliases, default) -> str | None:
        """The choice value ``text`` names; None (and an error) when it names none."""
        if not text:
            return default
        found = aliases.get(text.lower()) or aliases.get(text.lower().replace(" ", "_"))
        if found is None:
            self.error(
                number,
                column,
                _("Unknown %(field)s “%(value)s”; use one of: %(choices)s.")
                % {
                    "field": self.labels[column],
                    "value": text,
                    "choices": ", ".join(sorted(set(aliases.values()))),
                },
            )
        return found

    def check_numbers(self, candidates: list[Candidate]) -> None:
        """Typed No.s: allowed by the series, once in the file, not yet in the database."""
        first_row: dict[str, int] = {}
        for candidate in candidates:
            no = candidate.contact.no
            if not no:
                continue
            if no in first_row:
                self.error(
                    candidate.row,
                    "no",
                    CROSS_ROW_MESSAGES["duplicate"] % {"no": no, "other": first_row[no]},
                )
            else:
                first_row[no] = candidate.row
        if not first_row:
            return
        refuse_manual_numbers(first_row, self.error)
        for chunk in chunks(list(first_row)):
            for no in Contact.objects.filter(no__in=chunk).values_list("no", flat=True):
                self.error(first_row[no], "no", CROSS_ROW_MESSAGES["exists"] % {"no": no})

    def check_companies(self, candidates: list[Candidate]) -> None:
        """A person's company No.: a company in this file or in the database."""
        in_file = {c.contact.no: c for c in candidates if c.contact.no}
        persons = []
        for candidate in candidates:
            contact, company_no = candidate.contact, candidate.company_no
            if not company_no or contact.type is None:  # unknown type: already an error
                continue
            if contact.type == ContactType.COMPANY:
                # NAV shows a company's own No. as its company No.; anything else is wrong.
                if company_no != contact.no:
                    self.error(
                        candidate.row,
                        "company_no",
                        CROSS_ROW_MESSAGES["company_of_company"] % {"no": company_no},
                    )
                candidate.company_no = ""
            elif company_no == contact.no:
                self.error(candidate.row, "company_no", str(CROSS_ROW_MESSAGES["own_company"]))
            else:
                persons.append(candidate)
        wanted = sorted({c.company_no for c in persons if c.company_no not in in_file})
        in_database = {}
        fields = ["no", "id", "type", *(_attname(name) for name in INHERITED_FROM_COMPANY)]
        for chunk in chunks(wanted):
            for row in Contact.objects.filter(no__in=chunk).values(*fields):
                in_database[row["no"]] = row
        for candidate in persons:
            company_no = candidate.company_no
            if company_no in in_file:
                found_type = in_file[company_no].contact.type
                if found_type is None:
                    continue  # that row's unknown type is its error
            elif company_no in in_database:
                found_type = in_database[company_no]["type"]
            else:
                self.error(
                    candidate.row,
                    "company_no",
                    CROSS_ROW_MESSAGES["no_company"] % {"no": company_no},
                )
                continue
            if found_type != ContactType.COMPANY:
                self.error(
                    candidate.row,
                    "company_no",
                    CROSS_ROW_MESSAGES["not_a_company"] % {"no": company_no},
                )
            elif company_no in in_database:
                company = in_database[company_no]
                candidate.contact.company_id = company["id"]
                inherit_from_company(candidate.contact, company)

    def check_salespeople(self, candidates: list[Candidate]) -> None:
        codes = sorted({c.salesperson for c in candidates if c.salesperson})
        found = {}
        for chunk in chunks(codes):
            rows = Salesperson.objects.filter(code__in=chunk).values_list("code", "pk", "blocked")
            found.update({code: (pk, blocked) for code, pk, blocked in rows})
        for candidate in candidates:
            code = candidate.salesperson
            if not code:
                continue
            if code not in found:
                self.error(
                    candidate.row,
                    "salesperson",
                    _("Salesperson %(code)s does not exist.") % {"code": code},
                )
            elif found[code][1]:
                self.error(
                    candidate.row,
                    "salesperson",
                    _("Salesperson %(code)s is blocked and cannot be chosen.") % {"code": code},
                )
            else:
                candidate.contact.salesperson_id = found[code][0]

    def check_codes(self, candidates: list[Candidate]) -> dict[str, dict[str, int]]:
        code_ids = {}
        for group in CODE_GROUPS:
            used = sorted({code for c in candidates for code in c.codes[group.name]})
            ids = {}
            for chunk in chunks(used):
                ids.update(
                    group.code_model.objects.filter(code__in=chunk).values_list("code", "pk")
                )
            code_ids[group.name] = ids
            if len(ids) == len(used):
                continue
            label = group.label
            for candidate in candidates:
                unknown = [code for code in candidate.codes[group.name] if code not in ids]
                if unknown:
                    self.error(
                        candidate.row,
                        group.name,
                        ngettext(
                            "Unknown %(what)s %(codes)s.",
                            "Unknown %(what)s codes %(codes)s.",
                            len(unknown),
                        )
                        % {"what": label, "codes": ", ".join(unknown)},
                    )
        return code_ids


def refuse_manual_numbers(typed: dict, error) -> None:
    """``error(row, "no", message)`` for each typed No. (``typed``: No. → row) when the
    contact number series allows no manual numbers (the import and the API's bulk
    upsert alike)."""
    series = NumberSeries.objects.filter(code=Contact.number_series).first()
    if series is None or series.allow_manual:
        return
    for no, row in typed.items():
        error(
            row,
            "no",
            _("Number series %(code)s does not allow manual numbers; leave No. %(no)s blank.")
            % {"code": series.code, "no": no},
        )


def _attname(name: str) -> str:
    return Contact._meta.get_field(name).attname


def inherit_from_company(person: Contact, company) -> None:
    """A new person takes blank address fields and the salesperson from its company
    (as ``save_contact`` does); ``company`` is a contact or a dict of its values."""
    for name in INHERITED_FROM_COMPANY:
        attname = _attname(name)
        if not getattr(person, attname):
            value = company[attname] if isinstance(company, dict) else getattr(company, attname)
            setattr(person, attname, value)


def plan_import(contact_file: ContactFile) -> Plan:
    """Check every row of ``contact_file``: the contacts to write, or the errors."""
    return Validator(contact_file).run()


def check_contact_file(contact_file: ContactFile) -> ImportCheck:
    """Validate the rows of ``contact_file`` without writing anything."""
    return _summary(contact_file, plan_import(contact_file))


def _summary(contact_file: ContactFile, plan: Plan) -> ImportCheck:
    companies = sum(1 for c in plan.candidates if c.contact.type == ContactType.COMPANY)
    preview = [
        (number, [(row.get(column) or "") for column in contact_file.columns])
        for number, row in contact_file.rows[:PREVIEW_ROWS]
    ]
    return ImportCheck(
        columns=contact_file.columns,
        total=len(plan.candidates),
        companies=companies,
        persons=len(plan.candidates) - companies,
        code_assignments=sum(len(codes) for c in plan.candidates for codes in c.codes.values()),
        preview=preview,
        errors=plan.errors,
    )
