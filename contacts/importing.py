"""CSV import and export of contacts (SPEC §2.3).

The import checks *every* row first and collects all problems with their row
number; only a file without a single error is written, in one transaction and
set-based: numbers for blank No.s are reserved in one locked update of the
CONTACT number series, companies and persons are inserted with ``bulk_create``
in batches, persons get the ids of companies created from the same file, and
the four classification code tables are filled with ``bulk_create`` too. The
number of queries depends on the number of batches, never on the number of
rows.

The export writes the same columns, so an exported file imports again as it is.
A text a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) is
written with a leading ``'`` and the import takes it off again
(``core.spreadsheet_safety``).

File format: UTF-8 (a byte order mark is fine), a header row, comma separated
(semicolon when the header uses semicolons). Row numbers in messages are the
line numbers a spreadsheet shows: the header is row 1.
"""

import csv
import io
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connections, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from contacts.models import (
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
    CorrespondenceType,
    IndustryGroup,
    JobResponsibility,
    Language,
    MailingGroup,
)
from contacts.services import INHERITED_FROM_COMPANY
from core import audit
from core.arguments import text_arg
from core.jobs import start_job
from core.models import AuditAction, Job, NumberSeries
from core.spreadsheet_safety import neutralise_row, restore
from salespeople.models import Salesperson

COLUMNS = [
    "no",
    "type",
    "name",
    "company_no",
    "job_title",
    "address",
    "post_code",
    "city",
    "country_code",
    "phone",
    "mobile",
    "email",
    "salesperson",
    "language",
    "correspondence_type",
    "exclude_from_segments",
    "industry_groups",
    "business_relations",
    "job_responsibilities",
    "mailing_groups",
]
REQUIRED_COLUMNS = ["name"]
# Plain text columns copied to the contact as they are (after trimming).
TEXT_COLUMNS = [
    "name",
    "job_title",
    "address",
    "post_code",
    "city",
    "country_code",
    "phone",
    "mobile",
    "email",
]
CODE_SEPARATOR = "|"


@dataclass(frozen=True)
class CodeColumn:
    column: str
    code_model: type
    through_model: type
    through_field: str
    # None: any contact; otherwise the only contact type the codes apply to.
    only_for: str | None


CODE_COLUMNS = [
    CodeColumn("industry_groups", IndustryGroup, ContactIndustryGroup, "industry_group", "company"),
    CodeColumn(
        "business_relations",
        BusinessRelation,
        ContactBusinessRelation,
        "business_relation",
        "company",
    ),
    CodeColumn(
        "job_responsibilities",
        JobResponsibility,
        ContactJobResponsibility,
        "job_responsibility",
        "person",
    ),
    CodeColumn("mailing_groups", MailingGroup, ContactMailingGroup, "mailing_group", None),
]

BATCH_SIZE = 2000
PREVIEW_ROWS = 20
TRUE_WORDS = {"1", "yes", "y", "true", "x", "ja", "j", "waar"}
FALSE_WORDS = {"", "0", "no", "n", "false", "nee", "onwaar"}
HISTORY_REASON = gettext_noop("Imported from CSV")


class ContactFileError(ValidationError):
    """The file as a whole cannot be read (not UTF-8, no header, no name column, empty)."""


class ContactImportError(ValidationError):
    """One or more rows are wrong; nothing was imported. ``row_errors`` lists them all."""

    def __init__(self, row_errors: list["RowError"]):
        self.row_errors = row_errors
        super().__init__([str(error) for error in row_errors])


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


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

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})


@dataclass(frozen=True)
class ImportResult:
    companies: int
    persons: int
    code_assignments: int

    @property
    def contacts(self) -> int:
        return self.companies + self.persons


# --------------------------------------------------------------------------- reading


@dataclass
class ContactFile:
    columns: list[str]
    # (row number as a spreadsheet shows it, {column: value}); extra values under None.
    rows: list[tuple[int, dict]]


def read_contacts_csv(data: bytes) -> ContactFile:
    """Parse ``data`` into rows; raise ``ContactFileError`` when the file cannot be used."""
    if not isinstance(data, bytes | bytearray):
        raise ContactFileError(_("The file could not be read."))
    if not data or not data.strip():
        raise ContactFileError(_("The file is empty."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContactFileError(
            _(
                "The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” and "
                "upload it again."
            )
            % {"line": line}
        ) from None
    if "\x00" in text:
        raise ContactFileError(_("The file contains NUL characters; it is not a CSV text file."))
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ContactFileError(_("The file has no header row."))
        columns = [cell.strip().lower().replace(" ", "_") for cell in header]
        _check_header(columns)
        rows = []
        # Spreadsheet row numbers: the header is row 1, so data starts at row 2.
        for index, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue  # blank lines, also ",,,," from spreadsheets
            row = dict(zip(columns, values, strict=False))
            if len(values) > len(columns):
                row[None] = values[len(columns) :]
            rows.append((index, row))
    except csv.Error as error:
        raise ContactFileError(
            _("The file is not a readable CSV file (line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise ContactFileError(_("The file has a header row but no contacts."))
    return ContactFile(columns=columns, rows=rows)


def _check_header(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ContactFileError(
            _("Unknown column(s) in the header: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(c or "“”" for c in unknown), "columns": ", ".join(COLUMNS)}
        )
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise ContactFileError(
            _("Column(s) %(columns)s appear more than once in the header.")
            % {"columns": ", ".join(doubled)}
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ContactFileError(
            _("The header has no %(columns)s column; it is required.")
            % {"columns": ", ".join(missing)}
        )


# --------------------------------------------------------------------------- validating


@dataclass
class _Candidate:
    row: int
    contact: Contact
    company_no: str
    salesperson: str
    codes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Plan:
    candidates: list[_Candidate]
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


def _chunks(values: list, size: int = BATCH_SIZE) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _split_codes(value: str) -> list[str]:
    codes = [code.strip().upper() for code in value.split(CODE_SEPARATOR)]
    return list(dict.fromkeys(code for code in codes if code))


class _Validator:
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

    def run(self) -> _Plan:
        candidates = [self.parse_row(number, row) for number, row in self.file.rows]
        self.check_numbers(candidates)
        self.check_salespeople(candidates)
        code_ids = self.check_codes(candidates)
        # After the salespeople: a person takes its company's salesperson when blank.
        self.check_companies(candidates)
        column_order = {name: index for index, name in enumerate(COLUMNS)}
        self.errors.sort(key=lambda e: (e.row, column_order.get(e.column, -1)))
        return _Plan(candidates=candidates, errors=self.errors, code_ids=code_ids)

    def parse_row(self, number: int, raw: dict) -> _Candidate:
        if raw.get(None):
            self.error(
                number,
                "",
                _("The row has %(count)d more value(s) than the header has columns.")
                % {"count": len(raw[None])},
            )
        # Trimmed, then the spreadsheet-safety prefix of the export taken off: an
        # exported name "'=HYPERLINK(…)" or "'\tx" imports as "=HYPERLINK(…)" or "\tx".
        value = {c: restore((raw.get(c) or "").strip()) for c in COLUMNS}
        contact = Contact()
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
        if value["email"]:
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
        candidate = _Candidate(
            row=number,
            contact=contact,
            company_no=value["company_no"].upper(),
            salesperson=value["salesperson"].upper(),
        )
        for code_column in CODE_COLUMNS:
            codes = _split_codes(value[code_column.column])
            only_for = code_column.only_for
            if codes and only_for and contact.type and contact.type != only_for:
                what = capfirst(code_column.code_model._meta.verbose_name_plural)
                message = (
                    _("%(what)s apply to companies only, not to a person (%(codes)s).")
                    if only_for == ContactType.COMPANY
                    else _("%(what)s apply to persons only, not to a company (%(codes)s).")
                )
                self.error(
                    number, code_column.column, message % {"what": what, "codes": ", ".join(codes)}
                )
            candidate.codes[code_column.column] = codes
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

    def check_numbers(self, candidates: list[_Candidate]) -> None:
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
                    _("No. %(no)s appears more than once in the file (also row %(other)d).")
                    % {"no": no, "other": first_row[no]},
                )
            else:
                first_row[no] = candidate.row
        if not first_row:
            return
        series = NumberSeries.objects.filter(code=Contact.number_series).first()
        if series is not None and not series.allow_manual:
            for no, row in first_row.items():
                self.error(
                    row,
                    "no",
                    _(
                        "Number series %(code)s does not allow manual numbers; "
                        "leave No. %(no)s blank."
                    )
                    % {"code": series.code, "no": no},
                )
        for chunk in _chunks(list(first_row)):
            for no in Contact.objects.filter(no__in=chunk).values_list("no", flat=True):
                self.error(
                    first_row[no], "no", _("Contact No. %(no)s already exists.") % {"no": no}
                )

    def check_companies(self, candidates: list[_Candidate]) -> None:
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
                        _("A company cannot belong to company %(no)s; only persons can.")
                        % {"no": company_no},
                    )
                candidate.company_no = ""
            elif company_no == contact.no:
                self.error(candidate.row, "company_no", _("A contact cannot be its own company."))
            else:
                persons.append(candidate)
        wanted = sorted({c.company_no for c in persons if c.company_no not in in_file})
        in_database = {}
        fields = ["no", "id", "type", *(_attname(name) for name in INHERITED_FROM_COMPANY)]
        for chunk in _chunks(wanted):
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
                    _(
                        "Company %(no)s does not exist: it is neither a company contact nor "
                        "a company in this file."
                    )
                    % {"no": company_no},
                )
                continue
            if found_type != ContactType.COMPANY:
                self.error(
                    candidate.row,
                    "company_no",
                    _("Contact %(no)s is a person, not a company.") % {"no": company_no},
                )
            elif company_no in in_database:
                company = in_database[company_no]
                candidate.contact.company_id = company["id"]
                _inherit(candidate.contact, company)

    def check_salespeople(self, candidates: list[_Candidate]) -> None:
        codes = sorted({c.salesperson for c in candidates if c.salesperson})
        found = {}
        for chunk in _chunks(codes):
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

    def check_codes(self, candidates: list[_Candidate]) -> dict[str, dict[str, int]]:
        code_ids = {}
        for code_column in CODE_COLUMNS:
            used = sorted({code for c in candidates for code in c.codes[code_column.column]})
            ids = {}
            for chunk in _chunks(used):
                ids.update(
                    code_column.code_model.objects.filter(code__in=chunk).values_list("code", "pk")
                )
            code_ids[code_column.column] = ids
            if len(ids) == len(used):
                continue
            label = code_column.code_model._meta.verbose_name
            for candidate in candidates:
                unknown = [code for code in candidate.codes[code_column.column] if code not in ids]
                if unknown:
                    self.error(
                        candidate.row,
                        code_column.column,
                        ngettext(
                            "Unknown %(what)s %(codes)s.",
                            "Unknown %(what)s codes %(codes)s.",
                            len(unknown),
                        )
                        % {"what": label, "codes": ", ".join(unknown)},
                    )
        return code_ids


def _attname(name: str) -> str:
    return Contact._meta.get_field(name).attname


def _inherit(person: Contact, company) -> None:
    """A new person takes blank address fields from its company (as ``save_contact`` does)."""
    for name in INHERITED_FROM_COMPANY:
        attname = _attname(name)
        if not getattr(person, attname):
            value = company[attname] if isinstance(company, dict) else getattr(company, attname)
            setattr(person, attname, value)


def _validate(contact_file: ContactFile) -> _Plan:
    return _Validator(contact_file).run()


def check_contacts_csv(*, data: bytes) -> ImportCheck:
    """Validate ``data`` without writing anything: counts, the first rows, every error."""
    contact_file = read_contacts_csv(data)
    plan = _validate(contact_file)
    return _summary(contact_file, plan)


def _summary(contact_file: ContactFile, plan: _Plan) -> ImportCheck:
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


# --------------------------------------------------------------------------- writing


@contextmanager
def _full_sqlite_parameter_limit(alias: str):
    """Let ``bulk_create`` use SQLite's real limit of parameters per statement.

    Django 5.2 assumes the historic limit of 999, so 2,000 contacts of 16 columns
    would be 35 INSERTs; SQLite ≥ 3.32 allows 32,766 and says so through
    ``getlimit()`` (Python ≥ 3.11). The limit is raised for this connection only
    and only while the import writes.
    """
    connection = connections[alias]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    getlimit = getattr(connection.connection, "getlimit", None)
    limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 0
    features = connection.features
    if limit <= features.max_query_params:
        yield
        return
    missing = object()
    previous = features.__dict__.get("max_query_params", missing)
    features.max_query_params = limit
    try:
        yield
    finally:
        if previous is missing:
            del features.max_query_params
        else:
            features.max_query_params = previous


def _reserve_numbers(count: int, *, typed: set[str]) -> list[str]:
    """Take ``count`` numbers of the CONTACT series in one locked update of its row.

    Like ``core.numbering.take_next_number`` it skips numbers that exist already
    (typed by hand) and those typed in the file, but with a few range queries for
    the whole block instead of one query per number.
    """
    code = Contact.number_series
    series = NumberSeries.objects.select_for_update().filter(code=code).first()
    if series is None:
        raise ValidationError(
            _("Number series %(code)s does not exist. Set it up under Setup › Number series.")
            % {"code": code}
        )
    numbers: list[str] = []
    start, size = series.last_number + 1, count
    while len(numbers) < count:
        end = start + size - 1
        taken = typed | _numbers_taken_between(series, start, end)
        for number in range(start, end + 1):
            formatted = series.format(number)
            if formatted not in taken:
                numbers.append(formatted)
                if len(numbers) == count:
                    end = number
                    break
        start, size = end + 1, size * 2
    NumberSeries.objects.filter(pk=series.pk).update(last_number=end)
    return numbers


def _numbers_taken_between(series: NumberSeries, first: int, last: int) -> set[str]:
    """No.s of the series from ``first`` to ``last`` that contacts already use.

    Formatted numbers of one width sort like the numbers, so each width is one
    range query (usually there is only one width).
    """
    taken = set()
    low = first
    while low <= last:
        width = len(str(low))
        high = min(last, 10 ** max(width, series.digits) - 1)
        taken.update(
            Contact.objects.filter(
                no__gte=series.format(low), no__lte=series.format(high)
            ).values_list("no", flat=True)
        )
        low = high + 1
    return taken


def import_contacts(
    *,
    data: bytes,
    user=None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import the contacts of CSV ``data``: every row or, when any row is wrong, none.

    Raises ``ContactFileError`` for an unreadable file, ``ContactImportError``
    (with ``row_errors``) when rows are wrong, ``ValidationError`` otherwise.
    ``progress(done, total)`` is called after every batch of contacts written.
    """
    if progress is not None and not callable(progress):
        raise ValidationError(_("Progress: not something to call."))
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or not (1 <= batch_size <= 100_000)
    ):
        raise ValidationError(_("Batch size: a number from 1 to 100,000."))
    contact_file = read_contacts_csv(data)
    try:
        return _import(contact_file, user=user, progress=progress, batch_size=batch_size)
    except IntegrityError:
        # Validation passed, so someone else created the same No. meanwhile.
        raise ValidationError(
            _(
                "Another user created contacts with the same No. while the file was "
                "imported; nothing was imported. Please try again."
            )
        ) from None


@transaction.atomic
def _import(contact_file, *, user, progress, batch_size) -> ImportResult:
    plan = _validate(contact_file)
    if plan.errors:
        raise ContactImportError(plan.errors)
    candidates = plan.candidates
    total = len(candidates)
    blank = [c.contact for c in candidates if not c.contact.no]
    if blank:
        typed = {c.contact.no for c in candidates if c.contact.no}
        for contact, number in zip(blank, _reserve_numbers(len(blank), typed=typed), strict=True):
            contact.no = number
    companies = [c for c in candidates if c.contact.type == ContactType.COMPANY]
    persons = [c for c in candidates if c.contact.type == ContactType.PERSON]
    done = 0
    if progress:
        progress(0, total)
    with _full_sqlite_parameter_limit(Contact.objects.db):
        for group in (companies, persons):
            if group is persons:
                # Companies of this file have their ids now.
                company_of = {c.contact.no: c.contact for c in companies}
                for person in persons:
                    company = company_of.get(person.company_no)
                    if company is not None:
                        person.contact.company_id = company.pk
                        _inherit(person.contact, company)
            for chunk in _chunks(group, batch_size):
                contacts = [c.contact for c in chunk]
                Contact.objects.bulk_create(contacts, batch_size=batch_size)
                done += len(contacts)
                if progress:
                    progress(done, total)
            _fill_missing_ids([c.contact for c in group])
        _write_history([c.contact for c in candidates], user=user, batch_size=batch_size)
        assignments = _write_codes(candidates, plan.code_ids, batch_size=batch_size)
    audit.record(
        user,
        AuditAction.CONTACTS_IMPORTED,
        None,
        total,
        _("Companies: %(companies)d, persons: %(persons)d, classification codes: %(codes)d")
        % {"companies": len(companies), "persons": len(persons), "codes": assignments},
    )
    return ImportResult(
        companies=len(companies), persons=len(persons), code_assignments=assignments
    )


def _fill_missing_ids(contacts: list[Contact]) -> None:
    """Databases that cannot return ids from a bulk insert: look them up by No."""
    missing = {c.no: c for c in contacts if c.pk is None}
    for chunk in _chunks(list(missing)):
        for no, pk in Contact.objects.filter(no__in=chunk).values_list("no", "pk"):
            missing[no].pk = pk


def _write_history(contacts: list[Contact], *, user, batch_size: int) -> None:
    """One *Created* history record per contact, as a form save would write."""
    Contact.history.bulk_history_create(
        contacts,
        batch_size=batch_size,
        default_user=user,
        default_change_reason=HISTORY_REASON,
        default_date=timezone.now(),
    )


def _write_codes(candidates: list[_Candidate], code_ids: dict, *, batch_size: int) -> int:
    written = 0
    for code_column in CODE_COLUMNS:
        ids = code_ids[code_column.column]
        rows = [
            code_column.through_model(
                contact_id=c.contact.pk, **{f"{code_column.through_field}_id": ids[code]}
            )
            for c in candidates
            for code in c.codes[code_column.column]
        ]
        for chunk in _chunks(rows, batch_size):
            code_column.through_model.objects.bulk_create(chunk, batch_size=batch_size)
        written += len(rows)
    return written


# --------------------------------------------------------------------------- exporting


def _export_row(contact: Contact) -> list[str]:
    codes = {
        "industry_groups": contact.industry_groups.all(),
        "business_relations": contact.business_relations.all(),
        "job_responsibilities": contact.job_responsibilities.all(),
        "mailing_groups": contact.mailing_groups.all(),
    }
    values = {
        "no": contact.no,
        "type": contact.type,
        "company_no": contact.company.no if contact.company_id else "",
        "salesperson": contact.salesperson.code if contact.salesperson_id else "",
        "language": contact.language,
        "correspondence_type": contact.correspondence_type,
        "exclude_from_segments": "yes" if contact.exclude_from_segments else "no",
        **{name: getattr(contact, name) for name in TEXT_COLUMNS},
        **{
            name: CODE_SEPARATOR.join(sorted(code.code for code in related))
            for name, related in codes.items()
        },
    }
    return [values[column] for column in COLUMNS]


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
            *(Prefetch(c.column, queryset=c.code_model.objects.only("code")) for c in CODE_COLUMNS)
        )
        .order_by("no")
    )
    # Lines end in CRLF (RFC 4180): the writer quotes a cell holding any character of
    # the line end, so a carriage return inside a name cannot split its row.
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for contact in queryset.iterator(chunk_size=chunk_size):
        writer.writerow(neutralise_row(_export_row(contact)))
        count += 1
        if progress and count % chunk_size == 0:
            progress(count)
    return count


# --------------------------------------------------------------------------- uploads

# The browser import keeps the uploaded file between *check* and *import*.
UPLOAD_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60


def upload_dir() -> Path:
    return Path(getattr(settings, "CONTACT_IMPORT_DIR", settings.BASE_DIR / "var" / "imports"))


def _upload_path(token: str) -> Path:
    if not isinstance(token, str) or not UPLOAD_TOKEN_RE.fullmatch(token):
        raise ValueError("bad upload token")
    return upload_dir() / f"{token}.csv"


def save_upload(data: bytes) -> str:
    """Store an uploaded file under a random token; forget uploads older than a day."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for old in directory.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    _upload_path(token).write_bytes(data)
    return token


def load_upload(token: str) -> bytes | None:
    """The bytes stored under ``token``, or None when the token is bad or the file gone."""
    try:
        return _upload_path(token).read_bytes()
    except (ValueError, OSError):
        return None


def discard_upload(token: str) -> None:
    try:
        _upload_path(token).unlink(missing_ok=True)
    except ValueError:
        pass


# --------------------------------------------------------------------------- queue

# Files with more rows than this are imported by a worker (``core.jobs``), with progress.
QUEUE_THRESHOLD = 5000


def count_rows(data: bytes) -> int:
    """The number of data rows of a readable file (0 when it cannot be read)."""
    try:
        return len(read_contacts_csv(data).rows)
    except ValidationError:
        return 0


def queue_import(*, data: bytes, user=None, rows: int | None = None, name: str = "") -> Job:
    """Queue the import of ``data``; the file travels in the job, so any worker host can run it."""
    read_contacts_csv(data)  # an unreadable file is refused now, not by the worker
    name = text_arg(name, label=_("Name"), max_length=100)
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise ValidationError(_("Rows: not a number of rows."))
    rows = count_rows(data) if rows is None else min(rows, 2**31 - 1)
    return start_job(
        kind=Job.Kind.CONTACT_IMPORT,
        user=user,
        description=ngettext(
            "Import of %(n)d contact row%(name)s",
            "Import of %(n)d contact rows%(name)s",
            rows,
        )
        % {"n": rows, "name": f" ({name})" if name else ""},
        total=rows,
        payload=data,
        result_url=reverse("contacts:contact_list"),
    )


@dataclass
class ImportStarted:
    """What ``start_contact_import`` did: imported the rows now (``result``) or queued
    them for a worker (``job``)."""

    rows: int
    result: "ImportResult | None" = None
    job: Job | None = None


def start_contact_import(*, data: bytes, user=None, name: str = "") -> ImportStarted:
    """Import a checked file: now when it has up to ``QUEUE_THRESHOLD`` rows, else in
    the background (a job with progress). Raises ``ContactImportError`` when the
    contacts changed since the check, ``ValidationError`` for an unreadable file."""
    if not isinstance(data, bytes):
        raise ValidationError(_("The file could not be read."))
    rows = count_rows(data)
    if rows > QUEUE_THRESHOLD:
        with transaction.atomic():
            return ImportStarted(rows, job=queue_import(data=data, user=user, rows=rows, name=name))
    return ImportStarted(rows, result=import_contacts(data=data, user=user))


def run_import_job(job: Job, progress) -> str:
    """The handler of import jobs: all rows in one transaction, or none.

    A worker killed mid-way leaves nothing behind, so the job simply runs again.
    The job is marked done inside the import's transaction: a job whose import
    committed is never imported a second time.
    """
    data = bytes(job.payload or b"")
    with transaction.atomic():
        result = import_contacts(
            data=data,
            user=job.user,
            progress=lambda done, total: progress(done, total, in_transaction=True),
        )
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.DONE,
            processed=result.contacts,
            total=result.contacts,
            finished_at=timezone.now(),
        )
    progress.job.processed = progress.job.total = result.contacts
    return ""
