"""Contacts from another system, created or updated in one set-based step (docs/api.md,
Bulk upsert and external ids).

``upsert_contacts`` takes up to ``MAX_ROWS`` rows (``{field: value}`` with the API's
field names, ``UPSERT_FIELDS``) and what to match them on: the No., the e-mail address
(ignoring case) or the external id. A row that matches a stored contact changes the
fields it names (what it leaves out stays); a row that matches none makes a contact.

Every row is checked first, in Python, with one query per kind of look-up (the matched
contacts, locked; all salespeople; the companies named; the No.s and external ids in
use; the persons of companies that become persons), never one per row. Only when no
row is wrong is anything written, in one transaction: new No.s reserved from the number
series in one step, new contacts inserted with ``bulk_create`` (companies first, so
that persons of the same request get their ids), changed ones written with one
``bulk_update`` of the fields that changed, one history row per contact written and
one audit entry, as the CSV import does (``contacts.importing.writing``). The number
of queries depends on the number of batches, not on the number of rows.

The rules are ``contacts.services.save_contact``'s, applied to the whole set: a company
belongs to no company, a person's company is a company (in the database or, after this
request, in it), no contact is its own company, a company with persons (after this
request) cannot become a person, a new person takes blank address fields and the
salesperson from its company, a blocked salesperson cannot be newly chosen, the name
is required, a typed No. of a new contact only when the series allows manual numbers,
an external id belongs to one contact. Classification codes are not part of a row.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models.base import ModelState
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.importing.checking import inherit_from_company, refuse_manual_numbers
from contacts.importing.file_format import FALSE_WORDS, TRUE_WORDS
from contacts.models import Contact, ContactType, CorrespondenceType, Language
from contacts.services import INHERITED_FROM_COMPANY, external_id_taken
from core import audit
from core.bulk_sql import insert_values, update_values
from core.fields import number_validator
from core.models import AuditAction
from core.numbering import reserve_free_numbers
from core.presentation import count_text
from core.search import search_field
from salespeople.models import Salesperson

MAX_ROWS = 10_000
MATCHES = ("no", "email", "external_id")
HISTORY_REASON = gettext_noop("Upserted through the API")
# The fields of a row, as the API names them (api.serializers.ContactSerializer).
TEXT_FIELDS = [
    "name",
    "job_title",
    "address",
    "post_code",
    "city",
    "country_code",
    "phone",
    "mobile",
    "email",
    "external_id",
]
CHOICE_FIELDS = {
    "type": ContactType,
    "language": Language,
    "correspondence_type": CorrespondenceType,
}
UPSERT_FIELDS = [
    "no",
    "type",
    "company_no",
    "salesperson",
    "exclude_from_segments",
    *TEXT_FIELDS,
    *CHOICE_FIELDS,
]
NON_FIELD = "non_field_errors"
DUPLICATE = gettext_noop(
    "The %(field)s %(value)s appears more than once in the request (also contact %(other)d)."
)
_email = EmailValidator()


class ContactRowsError(ValidationError):
    """Rows are wrong; nothing was written. ``row_errors``: ``{index: {field: [message]}}``
    (the index of the row in the list, from 0)."""

    def __init__(self, row_errors: dict[int, dict[str, list[str]]]):
        self.row_errors = row_errors
        super().__init__(
            [
                _("Contact %(index)d, %(field)s: %(message)s")
                % {"index": index, "field": name, "message": message}
                for index, fields in sorted(row_errors.items())
                for name, messages in fields.items()
                for message in messages
            ]
        )


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    # (No., made) of each row, in the order of the rows.
    rows: list[tuple[str, bool]]


@dataclass
class Row:
    index: int
    values: dict  # model attribute -> value, only the fields the row names
    key: str = ""  # the match value, normalised
    company_no: str | None = None  # None: not named
    salesperson: str | None = None  # None: not named; "": none
    stored: Contact | None = None  # the matched contact (locked)
    contact: Contact | None = None  # the contact as it will be
    changed: list[str] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.stored is None


def upsert_contacts(*, rows, match: str = "no", user=None) -> UpsertResult:
    """Create or update the contacts of ``rows`` (a list of ``{field: value}``), matched
    on ``match`` (``"no"``, ``"email"`` or ``"external_id"``): every row or, when any
    is wrong, none (``ContactRowsError`` with the errors of each row). ``user`` needs
    ``contacts.add_contact`` to create and ``contacts.change_contact`` to update."""
    if match not in MATCHES:
        raise ValidationError({"match": _("Match on no, email or external_id.")})
    if not isinstance(rows, list | tuple) or not (1 <= len(rows) <= MAX_ROWS):
        raise ValidationError(
            {
                "contacts": _("Send from 1 to %(max)s contacts at once.")
                % {"max": count_text(MAX_ROWS)}
            }
        )
    upsert = _Upsert(rows, match, user)
    try:
        return upsert.run()
    except IntegrityError:
        # Checked, so another transaction stored a No. or external id meanwhile.
        raise upsert.clash_error() from None


class _Upsert:
    def __init__(self, rows, match, user):
        self.raw = rows
        self.match = match
        self.user = user
        self.errors: dict[int, dict[str, list[str]]] = {}
        self.rows: list[Row] = []
        self.lengths = {name: Contact._meta.get_field(name).max_length for name in TEXT_FIELDS}
        self.choices = {
            name: [value for value, _label in choices.choices]
            for name, choices in CHOICE_FIELDS.items()
        }
        self.labels = {
            name: capfirst(Contact._meta.get_field(name).verbose_name)
            for name in [*TEXT_FIELDS, *CHOICE_FIELDS]
        }

    def error(self, row: Row | int, name: str, message: str) -> None:
        index = row.index if isinstance(row, Row) else row
        self.errors.setdefault(index, {}).setdefault(name, []).append(message)

    def refuse(self) -> None:
        if self.errors:
            raise ContactRowsError(dict(sorted(self.errors.items())))

    @transaction.atomic
    def run(self) -> UpsertResult:
        self.rows = [row for index, raw in enumerate(self.raw) if (row := self.parse(index, raw))]
        self.find_matches()
        self.check_permission()
        self.build()
        self.check_numbers()
        self.check_salespeople_and_companies()
        self.check_external_ids()
        self.refuse()
        return self.write()

    # --- Each row on its own, no queries --------------------------------------------

    def parse(self, index: int, raw) -> Row | None:
        if not isinstance(raw, dict):
            self.error(index, NON_FIELD, _("A contact is an object of fields and values."))
            return None
        row = Row(index=index, values={})
        for name in TEXT_FIELDS:
            if name in raw:
                value = self.text(row, name, raw[name])
                if value is not None:
                    row.values[name] = value
        if row.values.get("email"):
            try:
                _email(row.values["email"])
            except ValidationError:
                self.error(
                    row,
                    "email",
                    _("“%(value)s” is not a valid e-mail address.")
                    % {"value": row.values["email"]},
                )
        if "name" in raw and not row.values.get("name"):
            self.error(row, "name", _("Name is required."))
        for name, allowed in self.choices.items():
            if name in raw:
                value = raw[name] if raw[name] is not None else ""
                if isinstance(value, str) and value in allowed:
                    row.values[name] = value
                else:
                    self.error(
                        row,
                        name,
                        _("Unknown %(field)s “%(value)s”; use one of: %(choices)s.")
                        % {
                            "field": self.labels[name],
                            "value": value,
                            "choices": ", ".join(v for v in allowed if v),
                        },
                    )
        if "exclude_from_segments" in raw:
            value = raw["exclude_from_segments"]
            word = str(value).strip().lower() if isinstance(value, str | int) else None
            if isinstance(value, bool):
                row.values["exclude_from_segments"] = value
            elif word is not None and word in TRUE_WORDS | FALSE_WORDS:
                row.values["exclude_from_segments"] = word in TRUE_WORDS
            else:
                self.error(
                    row,
                    "exclude_from_segments",
                    _("“%(value)s” is not yes or no (use 1/0, yes/no or true/false).")
                    % {"value": value},
                )
        if "no" in raw:
            no = self.code(row, "no", raw["no"])
            if no:
                try:
                    number_validator(no)
                except ValidationError as error:
                    self.error(row, "no", error.messages[0])
                if len(no) > Contact._meta.get_field("no").max_length:
                    self.error(
                        row,
                        "no",
                        _("No. %(no)s is longer than %(max)d characters.")
                        % {"no": no, "max": Contact._meta.get_field("no").max_length},
                    )
            if no is not None:
                row.values["no"] = no
        if "company_no" in raw:
            row.company_no = self.code(row, "company_no", raw["company_no"])
        if "salesperson" in raw:
            row.salesperson = self.code(row, "salesperson", raw["salesperson"])
        key = row.values.get(self.match, "")
        row.key = key.upper() if self.match == "email" else key
        if not row.key and self.match not in self.errors.get(index, {}):
            self.error(
                row,
                self.match,
                _("Give the %(field)s to match the contact on.") % {"field": self.match},
            )
        return row

    def text(self, row: Row, name: str, value) -> str | None:
        """A text field's value, trimmed; None (with an error) when it is not one."""
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(row, name, _("Not a valid value."))
            return None
        value = str(value).strip()
        if "\x00" in value:
            self.error(row, name, _("Null characters are not allowed."))
            return None
        if len(value) > self.lengths[name]:
            self.error(
                row,
                name,
                _("%(field)s is %(length)d characters long; at most %(max)d are allowed.")
                % {"field": self.labels[name], "length": len(value), "max": self.lengths[name]},
            )
            return None
        return value

    def code(self, row: Row, name: str, value) -> str | None:
        """A No. or code: trimmed and upper case; "" for none."""
        if value is None:
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.error(row, name, _("Not a valid value."))
            return None
        value = str(value).strip().upper()
        if "\x00" in value:
            self.error(row, name, _("Null characters are not allowed."))
            return None
        if len(value) > 100:
            self.error(row, name, _("Not a valid value."))
            return None
        return value

    # --- The matches: one query, the rows locked ----------------------------------------

    def find_matches(self) -> None:
        first: dict[str, Row] = {}
        for row in self.rows:
            if not row.key:
                continue
            if row.key in first:
                self.error(
                    row,
                    self.match,
                    _(DUPLICATE)
                    % {"field": self.match, "value": row.key, "other": first[row.key].index},
                )
                row.key = ""  # neither matched nor made
            else:
                first[row.key] = row
        if not first:
            return
        stored = Contact.objects.select_for_update().order_by("pk")
        if self.match == "email":
            stored = stored.annotate(match_key=Upper("email")).filter(match_key__in=list(first))
        else:
            stored = stored.filter(**{f"{self.match}__in": list(first)})
        found: dict[str, list[Contact]] = {}
        for contact in stored:
            key = contact.email.upper() if self.match == "email" else getattr(contact, self.match)
            found.setdefault(key, []).append(contact)
        for key, contacts in found.items():
            row = first.get(key)
            if row is None:
                continue
            if len(contacts) > 1:
                self.error(
                    row,
                    self.match,
                    _("Several contacts have this %(field)s; update one by its No.")
                    % {"field": self.match},
                )
            else:
                row.stored = contacts[0]

    def check_permission(self) -> None:
        if self.user is None:
            return
        if any(row.created for row in self.rows) and not self.user.has_perm("contacts.add_contact"):
            raise PermissionDenied(_("You may not create contacts."))
        if any(not row.created for row in self.rows) and not self.user.has_perm(
            "contacts.change_contact"
        ):
            raise PermissionDenied(_("You may not change contacts."))

    # --- The contacts as they will be ---------------------------------------------------

    def build(self) -> None:
        for row in self.rows:
            if row.created:
                contact = Contact()
                if not row.values.get("name") and "name" not in self.errors.get(row.index, {}):
                    self.error(row, "name", _("Name is required."))
            else:
                contact = _clone(row.stored)
                given = row.values.get("no")
                if given and given != row.stored.no:
                    self.error(
                        row,
                        "no",
                        _("The matched contact is %(matched)s; an upsert does not change a No.")
                        % {"matched": row.stored.no},
                    )
                row.values.pop("no", None)
            for name, value in row.values.items():
                setattr(contact, name, value)
            row.contact = contact

    def check_numbers(self) -> None:
        """Typed No.s of new contacts: allowed by the series, once, not in use."""
        typed = {}
        for row in self.rows:
            no = row.contact.no if row.created else ""
            if not no:
                continue
            if no in typed:
                if self.match != "no":  # as a match value it was refused already
                    self.error(
                        row,
                        "no",
                        _(DUPLICATE) % {"field": "no", "value": no, "other": typed[no].index},
                    )
            else:
                typed[no] = row
        if not typed:
            return
        refuse_manual_numbers(typed, self.error)
        if self.match == "no":
            return  # a typed No. in use would have matched
        for no in Contact.objects.filter(no__in=list(typed)).values_list("no", flat=True):
            self.error(typed[no], "no", _("Contact No. %(no)s already exists.") % {"no": no})

    def check_salespeople_and_companies(self) -> None:
        # Salespeople are few: all of them in one query, by code and by id.
        salespeople = {
            code: (pk, blocked)
            for code, pk, blocked in Salesperson.objects.values_list("code", "pk", "blocked")
        }
        blocked_ids = {pk for pk, blocked in salespeople.values() if blocked}
        for row in self.rows:
            code = row.salesperson
            if code is None:
                continue
            if not code:
                row.contact.salesperson_id = None
            elif code not in salespeople:
                self.error(
                    row, "salesperson", _("Salesperson %(code)s does not exist.") % {"code": code}
                )
            else:
                row.contact.salesperson_id = salespeople[code][0]
        self.check_companies()
        for row in self.rows:
            chosen = row.contact.salesperson_id
            if chosen in blocked_ids and (row.created or chosen != row.stored.salesperson_id):
                code = next(c for c, (pk, _b) in salespeople.items() if pk == chosen)
                self.error(
                    row,
                    "salesperson",
                    _("Salesperson %(code)s is blocked and cannot be chosen.") % {"code": code},
                )

    def check_companies(self) -> None:
        """A person's company: a company after this request; a company with persons
        (after this request) stays a company. New persons inherit from their company."""
        by_no = {row.contact.no: row for row in self.rows if row.contact.no}
        named = {row.company_no for row in self.rows if row.company_no}
        attnames = [Contact._meta.get_field(name).attname for name in INHERITED_FROM_COMPANY]
        in_database = {
            values["no"]: values
            for values in Contact.objects.filter(no__in=[no for no in named if no not in by_no])
            .values("no", "id", "type", *attnames)
            .iterator()
        }
        self.created_companies: dict[str, Row] = {}  # No. -> row, for persons made with them
        for row in self.rows:
            contact = row.contact
            if contact.type == ContactType.COMPANY:
                contact.company_id = None  # as save_contact: a company belongs to none
                row.company_no = None
                continue
            if row.company_no is None:
                continue  # unchanged (a new contact: none)
            if not row.company_no:
                contact.company_id = None
                continue
            no = row.company_no
            if no == contact.no:
                self.error(row, "company_no", _("A contact cannot be its own company."))
            elif no in by_no:
                company = by_no[no].contact
                if company.type != ContactType.COMPANY:
                    self.error(
                        row, "company_no", _("Contact %(no)s is not a company.") % {"no": no}
                    )
                elif company.pk is None:
                    self.created_companies[no] = by_no[no]
                    contact.company_id = None  # set once the company is inserted
                    if row.created:
                        inherit_from_company(contact, company)
                else:
                    contact.company_id = company.pk
                    if row.created:
                        inherit_from_company(contact, company)
            elif no in in_database:
                company = in_database[no]
                if company["type"] != ContactType.COMPANY:
                    self.error(
                        row, "company_no", _("Contact %(no)s is not a company.") % {"no": no}
                    )
                else:
                    contact.company_id = company["id"]
                    if row.created:
                        inherit_from_company(contact, company)
            else:
                self.error(row, "company_no", _("Contact %(no)s does not exist.") % {"no": no})
        self.check_companies_becoming_persons()

    def check_companies_becoming_persons(self) -> None:
        becoming = {
            row.stored.pk: row
            for row in self.rows
            if not row.created
            and row.stored.type == ContactType.COMPANY
            and row.contact.type == ContactType.PERSON
        }
        if not becoming:
            return
        # Its persons after this request: the stored ones this request leaves alone, and
        # the rows of this request that name it.
        in_request = {row.stored.pk for row in self.rows if not row.created}
        persons = Contact.objects.filter(company_id__in=list(becoming)).values_list(
            "pk", "company_id"
        )
        having = {company_id for pk, company_id in persons if pk not in in_request}
        having |= {row.contact.company_id for row in self.rows} & set(becoming)
        for pk in sorted(having):
            self.error(
                becoming[pk], "type", _("This company has persons; it cannot become a person.")
            )

    def check_external_ids(self) -> None:
        first: dict[str, Row] = {}
        for row in self.rows:
            value = row.contact.external_id
            if not value:
                continue
            if value in first:
                if self.match != "external_id":  # as a match value it was refused already
                    self.error(
                        row,
                        "external_id",
                        _(DUPLICATE)
                        % {"field": "external_id", "value": value, "other": first[value].index},
                    )
            else:
                first[value] = row
        if not first:
            return
        for value, pk, no in stored_external_ids(list(first)):
            row = first[value]
            if row.created or row.stored.pk != pk:
                self.error(row, "external_id", external_id_taken(value, no))

    # --- Writing ------------------------------------------------------------------------

    def write(self) -> UpsertResult:
        created = [row for row in self.rows if row.created]
        blank = [row.contact for row in created if not row.contact.no]
        if blank:
            typed = {row.contact.no for row in created if row.contact.no}
            numbers = reserve_free_numbers(
                Contact.number_series, len(blank), model=Contact, skip=typed
            )
            for contact, number in zip(blank, numbers, strict=True):
                contact.no = number
        # Companies named by persons of this request first: the persons need their ids.
        companies_first = {id(row) for row in self.created_companies.values()}
        first = [row.contact for row in created if id(row) in companies_first]
        later = [row.contact for row in created if id(row) not in companies_first]
        _insert(first)
        for row in self.rows:
            if row.company_no in self.created_companies:
                row.contact.company_id = self.created_companies[row.company_no].contact.pk
        _insert(later)
        updated = [row for row in self.rows if not row.created and self._changes(row)]
        if updated:
            names = sorted({name for row in updated for name in row.changed})
            search = search_field(Contact)
            if {source.split("__")[0] for source in search.sources} & set(names):
                for row in updated:
                    setattr(row.contact, search.attname, search.compute(row.contact))
                names.append(search.name)
            attnames = [Contact._meta.get_field(name).attname for name in names]
            update_values(
                Contact,
                names,
                [
                    (row.contact.pk, *(getattr(row.contact, name) for name in attnames))
                    for row in updated
                ],
            )
        # One history row per contact made ("+") or changed ("~"), as a save writes.
        _write_history(
            [(row.contact, "+") for row in created] + [(row.contact, "~") for row in updated],
            user=self.user,
        )
        result = UpsertResult(
            created=len(created),
            updated=len(self.rows) - len(created),
            rows=[(row.contact.no, row.created) for row in self.rows],
        )
        audit.record(
            self.user,
            AuditAction.CONTACTS_IMPORTED,
            None,
            len(self.rows),
            audit.message(
                gettext_noop("Through the API: %(created)d created, %(updated)d updated"),
                created=result.created,
                updated=result.updated,
            ),
        )
        return result

    @staticmethod
    def _changes(row: Row) -> bool:
        """The fields a user may change that differ from what is stored."""
        row.changed = [
            f.name
            for f in Contact._meta.concrete_fields
            if f.editable
            and not f.primary_key
            and getattr(row.contact, f.attname) != getattr(row.stored, f.attname)
        ]
        return bool(row.changed)

    def clash_error(self) -> ValidationError:
        """After a unique key refused the write: the rows whose No. or external id
        another transaction stored meanwhile (one query each), else a general error."""
        self.errors = {}
        nos = {row.contact.no: row for row in self.rows if row.created and row.contact.no}
        for no in Contact.objects.filter(no__in=list(nos)).values_list("no", flat=True):
            self.error(nos[no], "no", _("Contact No. %(no)s already exists.") % {"no": no})
        ids = {row.contact.external_id: row for row in self.rows if row.contact.external_id}
        owners = Contact.objects.filter(external_id__in=list(ids)).values_list(
            "external_id", "pk", "no"
        )
        for value, pk, no in owners:
            row = ids[value]
            if row.created or row.stored.pk != pk:
                self.error(row, "external_id", external_id_taken(value, no))
        if self.errors:
            return ContactRowsError(dict(sorted(self.errors.items())))
        return ValidationError(
            _(
                "Another user saved contacts with the same No. or external ID at the same "
                "moment; nothing was saved. Please try again."
            )
        )


def stored_external_ids(values: list[str]) -> list[tuple[str, int, str]]:
    """``(external id, id, No.)`` of the stored contacts with one of ``values``."""
    return list(
        Contact.objects.filter(external_id__in=values).values_list("external_id", "pk", "no")
    )


def _clone(contact: Contact) -> Contact:
    """A copy of a stored contact to change (``copy.copy`` of a model is ten times
    slower: it pickles)."""
    clone = Contact.__new__(Contact)
    clone.__dict__ = contact.__dict__.copy()
    clone._state = ModelState()
    clone._state.adding = False
    clone._state.db = contact._state.db
    return clone


def _insert(contacts: list[Contact]) -> None:
    """Insert ``contacts`` (their search text computed, as a save does) and give them
    their ids."""
    if not contacts:
        return
    search = search_field(Contact)
    fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
    rows = []
    for contact in contacts:
        setattr(contact, search.attname, search.compute(contact))
        rows.append([getattr(contact, f.attname) for f in fields])
    # By No. (unique), not by the order the database happens to return the rows in.
    keys = dict(insert_values(Contact, [f.name for f in fields], rows, returning=("no", "pk")))
    for contact in contacts:
        contact.pk = keys[contact.no]
        contact._state.adding = False


def _write_history(changes: list[tuple[Contact, str]], *, user) -> None:
    """One change-history row per ``(contact, history type)``, in one statement: what
    ``bulk_history_create`` writes (the import's), without the ORM's per-value work."""
    if not changes:
        return
    history = Contact.history.model
    tracked = [f for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    now = timezone.now()
    user_id = user.pk if getattr(user, "pk", None) else None
    names = [f.name for f in tracked] + [
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user",
    ]
    rows = [
        [getattr(contact, f.attname) for f in tracked] + [now, HISTORY_REASON, kind, user_id]
        for contact, kind in changes
    ]
    insert_values(history, names, rows, returning=())
