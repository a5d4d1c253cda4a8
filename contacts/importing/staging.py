"""Importing a contact file of any size in bounded memory (docs/contacts.md, Import).

The file is read as a stream, ``CHUNK_ROWS`` rows at a time; only the chunk being
handled is in memory. Each chunk is checked by ``checking.Validator`` (every rule of
a row; the salespeople and codes the chunk names, one query per column) and written,
good rows and bad, into temporary staging tables: with ``COPY`` on PostgreSQL, one
``executemany`` on SQLite. The rules between rows (a No. twice in the file, a No.
that exists, the manual-number rule, a person's company anywhere in the file or in
the database) are then checked by statements over the staging table; the errors are
read in row order, the first ``MAX_ERRORS`` of them, with how many there are.

A file without an error is *published* from the staging tables with ``INSERT …
SELECT``: numbers for blank No.s (``core.numbering``), companies, then persons with
their company's id and the fields they inherit from it, in batches (progress after
each), then their history and classification codes. Everything runs in the caller's
transaction: a file with an error, or a failure half-way, leaves nothing behind.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.codes import CODE_GROUPS
from contacts.importing.checking import (
    CROSS_ROW_MESSAGES,
    PREVIEW_ROWS,
    ContactImportError,
    ImportCheck,
    RowError,
    Validator,
)
from contacts.importing.file_format import (
    COLUMNS,
    TEXT_COLUMNS,
    ContactFile,
    binary_stream,
    stream_contacts_csv,
)
from contacts.models import Contact, ContactType
from contacts.services import INHERITED_FROM_COMPANY
from core import audit
from core.models import AuditAction, NumberSeries
from core.numbering import lock_series
from core.search import SEPARATOR, fold

# Rows read, checked and staged at a time.
CHUNK_ROWS = 10_000
# Errors kept (the first, in row order); the rest are counted.
MAX_ERRORS = 1000
# Blank No.s numbered per statement (three parameters each: PostgreSQL takes 65,535
# per statement, SQLite 32,766).
NUMBER_CHUNK = 10_000
STAGE = "contact_import_stage"
# The staging table's key: companies, then persons, each in file order.
PERSON_KEY = 10**12
OTHER_KEY = 2 * 10**12
HISTORY_REASON = gettext_noop("Imported from CSV")
_COLUMN_ORDER = {name: index for index, name in enumerate(COLUMNS)}
# Search-text sources (core.search) folded while staging; "no" and "city" may change later.
_FOLDED = ["name", "email", "city"]
_VALUE_COLUMNS = [
    *TEXT_COLUMNS,
    "language",
    "correspondence_type",
    "exclude_from_segments",
    "salesperson_id",
]
_STAGE_COLUMNS = [
    "seq",
    "line",
    "bad",
    "blank",
    "no",
    "no_folded",
    "type",
    *_VALUE_COLUMNS,
    "company_no",
    *(f"f_{name}" for name in _FOLDED),
    # The ids of a row's codes of each group (CODE_GROUPS), in the file's order: "12,7".
    *(f"codes_{index}" for index in range(len(CODE_GROUPS))),
]


@dataclass
class Staged:
    """What the staging of a file found: counts, the first rows, the kept errors."""

    columns: list[str]
    total: int = 0
    companies: int = 0
    persons: int = 0
    blank: int = 0
    code_assignments: int = 0
    error_count: int = 0  # of the row rules (the kept ones are in ``errors``)
    errors: list | None = None
    preview: list | None = None


class _CheckOnly(Exception):
    """Rolls back a check's staging tables."""


def stage_file(columns: list[str], rows: Iterable[tuple[int, dict]]) -> Staged:
    """Create the staging tables and stage ``rows`` into them, checked a chunk at a time."""
    _create_tables()
    staged = Staged(columns=columns, errors=[], preview=[])
    validator = Validator(ContactFile(columns=columns, rows=[]))
    for chunk in _chunks(rows, CHUNK_ROWS):
        if len(staged.preview) < PREVIEW_ROWS:
            staged.preview += [
                (number, [(row.get(column) or "") for column in columns])
                for number, row in chunk[: PREVIEW_ROWS - len(staged.preview)]
            ]
        _stage_chunk(validator, chunk, staged)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A temporary table has no statistics until asked: the joins below need them.
            cursor.execute(f"ANALYZE {STAGE}")
    return staged


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _create_tables() -> None:
    key = "integer PRIMARY KEY" if connection.vendor == "sqlite" else "bigint PRIMARY KEY"
    text = ", ".join(
        f"{name} text"
        for name in [*TEXT_COLUMNS, "language", "correspondence_type"]
        + [f"f_{name}" for name in _FOLDED]
        + [f"codes_{index}" for index in range(len(CODE_GROUPS))]
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling the plans of the staging statements would take longer than
            # running them (their estimates are large): no JIT in this transaction.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (seq {key}, line integer NOT NULL, "
            "bad boolean NOT NULL, blank integer, no text NOT NULL, no_folded text NOT NULL, "
            f"type text, {text}, exclude_from_segments boolean, salesperson_id bigint, "
            "company_no text NOT NULL)"
        )


def drop_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {STAGE}")


def _stage_chunk(validator: Validator, chunk: list, staged: Staged) -> None:
    validator.errors = []
    candidates = [validator.parse_row(number, row) for number, row in chunk]
    validator.check_salespeople(candidates)
    code_ids = validator.check_codes(candidates)
    errors = validator.errors
    errors.sort(key=lambda error: (error.row, _COLUMN_ORDER.get(error.column, -1)))
    staged.error_count += len(errors)
    room = MAX_ERRORS - len(staged.errors)
    if room > 0:
        staged.errors += errors[:room]
    bad = {error.row for error in errors}
    rows = []
    for candidate in candidates:
        contact = candidate.contact
        staged.total += 1
        if contact.type == ContactType.COMPANY:
            seq = staged.companies
            staged.companies += 1
        elif contact.type == ContactType.PERSON:
            seq = PERSON_KEY + staged.persons
            staged.persons += 1
        else:
            seq = OTHER_KEY + candidate.row
        blank = None
        if not contact.no:
            staged.blank += 1
            blank = staged.blank
        row = (
            seq,
            candidate.row,
            candidate.row in bad,
            blank,
            contact.no,
            _fold(contact.no),
            contact.type,
            *(getattr(contact, name) for name in _VALUE_COLUMNS),
            candidate.company_no,
            *(_fold(getattr(contact, name)) for name in _FOLDED),
        )
        rows.append(
            (
                *row,
                *(
                    _code_list(candidate.codes[group.name], code_ids[group.name], staged)
                    for group in CODE_GROUPS
                ),
            )
        )
    _load(STAGE, _STAGE_COLUMNS, rows)


def _fold(text: str) -> str:
    """``core.search.fold``; plain ASCII (most text) folds to lower case alone."""
    return text.lower() if text.isascii() else fold(text)


def _code_list(codes: list[str], ids: dict, staged: Staged) -> str:
    staged.code_assignments += len(codes)
    return ",".join(str(ids[code]) for code in codes if code in ids)


def _load(table: str, columns: list[str], rows: list[tuple]) -> None:
    """``rows`` into ``table``: ``COPY`` on PostgreSQL, else one ``executemany``."""
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 - names of this module and the models


# The rules between rows ---------------------------------------------------------------


def _cross_row_checks(series: NumberSeries | None) -> tuple[str, list]:
    """One statement of every error of the rules between rows: line, column order,
    rule order, kind, No., the other row (as text)."""
    no, company_no = _COLUMN_ORDER["no"], _COLUMN_ORDER["company_no"]
    company, person = ContactType.COMPANY, ContactType.PERSON
    contacts = Contact._meta.db_table
    checks = [
        # A typed No. a second time: every later row, naming the first.
        (
            f"SELECT s.line, {no} AS col, 1 AS rule, 'duplicate' AS kind, s.no AS no, "  # noqa: S608 - names of this module and the models
            f"CAST(f.first AS text) AS other FROM {STAGE} s JOIN (SELECT no, MIN(line) AS first "
            f"FROM {STAGE} WHERE no <> '' GROUP BY no HAVING COUNT(*) > 1) f ON f.no = s.no "
            "WHERE s.line <> f.first",
            [],
        ),
        # A typed No. that exists: its first row.
        (
            f"SELECT MIN(s.line), {no}, 3, 'exists', s.no, '' FROM {STAGE} s "  # noqa: S608 - names of this module and the models
            f"JOIN {contacts} c ON c.no = s.no WHERE s.no <> '' GROUP BY s.no",
            [],
        ),
        (
            f"SELECT line, {company_no}, 4, 'company_of_company', company_no, '' FROM {STAGE} "  # noqa: S608 - names of this module and the models
            "WHERE type = %s AND company_no <> '' AND company_no <> no",
            [company],
        ),
        (
            f"SELECT line, {company_no}, 4, 'own_company', company_no, '' FROM {STAGE} "  # noqa: S608 - names of this module and the models
            "WHERE type = %s AND company_no <> '' AND company_no = no",
            [person],
        ),
        # A person's company: the last row of that No. in the file, else the database.
        (
            f"SELECT p.line, {company_no}, 4, CASE WHEN f.no IS NULL AND c.no IS NULL "  # noqa: S608 - names of this module and the models
            "THEN 'no_company' ELSE 'not_a_company' END, p.company_no, '' "
            f"FROM {STAGE} p LEFT JOIN (SELECT no, type FROM {STAGE} WHERE line IN "
            f"(SELECT MAX(line) FROM {STAGE} WHERE no <> '' GROUP BY no)) f "
            f"ON f.no = p.company_no LEFT JOIN {contacts} c ON c.no = p.company_no "
            "WHERE p.type = %s AND p.company_no <> '' AND p.company_no <> p.no AND ("
            "(f.no IS NULL AND c.no IS NULL) OR (f.no IS NOT NULL AND f.type <> %s) "
            "OR (f.no IS NULL AND c.type <> %s))",
            [person, company, company],
        ),
    ]
    if series is not None and not series.allow_manual:
        checks.append(
            (
                f"SELECT MIN(line), {no}, 2, 'manual', no, '' FROM {STAGE} "  # noqa: S608 - names of this module and the models
                "WHERE no <> '' GROUP BY no",
                [],
            )
        )
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({check}) AS e{i}"  # noqa: S608 - the statements above
        for i, (check, _p) in enumerate(checks)
    )
    return sql, [param for _check, params in checks for param in params]


def _error_message(kind: str, no: str, other: str, series) -> str:
    if kind == "manual":
        return _(
            "Number series %(code)s does not allow manual numbers; leave No. %(no)s blank."
        ) % {"code": series.code, "no": no}
    return CROSS_ROW_MESSAGES[kind] % {"no": no, "other": int(other or 0)}


def check_staged(staged: Staged, series: NumberSeries | None) -> tuple[list[RowError], int, int]:
    """Every rule between rows over the staging table (``series``: the contact number
    series): the first ``MAX_ERRORS`` errors of the file (row rules and these) in row
    order, how many errors there are, and how many rows have one."""
    sql, params = _cross_row_checks(series)
    by_column = {index: name for name, index in _COLUMN_ORDER.items()}
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 1, 2, 3 LIMIT {MAX_ERRORS}", params)
        found = cursor.fetchall()
        listed = [
            (
                line,
                column,
                1,
                rule,
                RowError(line, by_column[column], _error_message(kind, no, other, series)),
            )
            for line, column, rule, kind, no, other in found
        ]
        if not found and not staged.error_count:
            return [], 0, 0
        if len(found) < MAX_ERRORS and staged.error_count <= len(staged.errors):
            total = len(found) + staged.error_count
            rows = len({error.row for error in staged.errors} | {line for line, *_rest in found})
        else:
            cursor.execute(
                f"SELECT (SELECT COUNT(*) FROM ({sql}) AS e), (SELECT COUNT(*) FROM {STAGE} "  # noqa: S608 - names of this module and the models
                f"WHERE bad OR line IN (SELECT line FROM ({sql}) AS f))",
                params + params,
            )
            sql_total, rows = cursor.fetchone()
            total = sql_total + staged.error_count
    kept = [
        (error.row, _COLUMN_ORDER.get(error.column, -1), 0, index, error)
        for index, error in enumerate(staged.errors)
    ] + listed
    kept.sort(key=lambda item: item[:4])
    return [item[4] for item in kept[:MAX_ERRORS]], total, rows


# Publishing -----------------------------------------------------------------------------


def publish(staged: Staged, series, *, user, progress, batch_size: int) -> None:
    """Write the staged contacts, their history and codes (every row passed);
    ``series``: the contact number series, locked when rows need a No."""
    total = staged.total
    if staged.blank:
        _number_blank_rows(series, staged.blank)
    if progress:
        progress(0, total)
    done = 0
    for start, count in ((0, staged.companies), (PERSON_KEY, staged.persons)):
        for first in range(start, start + count, batch_size):
            last = min(first + batch_size, start + count) - 1
            _insert_contacts(first, last, persons=start == PERSON_KEY)
            done += last - first + 1
            if progress:
                progress(done, total)
    _insert_history(user)
    _insert_codes()


def _number_blank_rows(series: NumberSeries, blank: int) -> None:
    """Take the next free No.s of the contact series for the rows without one, as
    ``core.numbering.reserve_free_numbers`` would: numbers in use and those typed in
    the file are passed over; ``NUMBER_CHUNK`` rows per statement."""
    number = series.last_number
    if blank > NUMBER_CHUNK:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {STAGE}_blank ON {STAGE} (blank)")
    for first in range(1, blank + 1, NUMBER_CHUNK):
        want = min(NUMBER_CHUNK, blank - first + 1)
        free = []
        while len(free) < want:
            low, high = number + 1, number + want - len(free)
            taken = _taken(series, low, high)
            free += [n for n in range(low, high + 1) if n not in taken]
            number = high
        values = []
        for index, value in enumerate(free, start=first):
            formatted = series.format(value)
            values += [index, formatted, _fold(formatted)]
        rows = ", ".join(["(%s, %s, %s)"] * want)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v (i, n, f) AS (VALUES {rows}) UPDATE {STAGE} SET no = v.n, "  # noqa: S608 - names of this module and the models
                f"no_folded = v.f FROM v WHERE {STAGE}.blank = v.i",
                values,
            )
    NumberSeries.objects.filter(pk=series.pk).update(last_number=number)


def _taken(series: NumberSeries, low: int, high: int) -> set[int]:
    """The numbers from ``low`` to ``high`` whose No. a contact has or a row typed."""
    conditions, params, start = [], [], low
    while start <= high:
        width = max(series.digits, len(str(start)))
        end = min(high, 10**width - 1)
        conditions.append("(no >= %s AND no <= %s)")
        params += [series.format(start), series.format(end)]
        start = end + 1
    where = " OR ".join(conditions)
    taken = set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT no FROM {Contact._meta.db_table} WHERE {where} "  # noqa: S608 - names of this module and the models
            f"UNION SELECT no FROM {STAGE} WHERE {where}",
            params + params,
        )
        for (no,) in cursor.fetchall():
            rest = no[len(series.prefix) :]
            if no.startswith(series.prefix) and rest.isdigit():
                value = int(rest)
                if low <= value <= high and series.format(value) == no:
                    taken.add(value)
    return taken


def _city_fold(company: str) -> str:
    """SQL of the folded city of the contact ``company`` (its search text holds it)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("contact_import_fold", 1, fold, deterministic=True)
        return f"contact_import_fold({company}.city)"
    sources = list(Contact._meta.get_field("search_text").sources)
    position = sources.index("city") + 2  # after the separator that starts the text
    return f"split_part({company}.search_text, chr({ord(SEPARATOR)}), {position})"


def _insert_contacts(first: int, last: int, *, persons: bool) -> None:
    """The staged companies or persons whose key is from ``first`` to ``last``; a
    person takes its company's id and, where blank, the fields it inherits."""
    values = {field.attname: field for field in Contact._meta.concrete_fields}
    staged = {"no", "type", *_VALUE_COLUMNS}
    inherited = {Contact._meta.get_field(name).attname for name in INHERITED_FROM_COMPANY}
    select = {}
    for attname in values:
        if attname == "id":
            continue
        if attname == "company_id":
            select[attname] = "c.id" if persons else "NULL"
        elif attname == "search_text":
            select[attname] = _search_text(persons)
        elif attname in staged and persons and attname in inherited:
            blank = (
                "s.salesperson_id IS NULL" if attname == "salesperson_id" else f"s.{attname} = ''"
            )
            select[attname] = (
                f"CASE WHEN {blank} AND c.id IS NOT NULL THEN c.{attname} ELSE s.{attname} END"
            )
        elif attname in staged:
            select[attname] = f"s.{attname}"
        else:
            select[attname] = "%s"  # its default: no column of the file fills it
    params = [
        values[attname].get_db_prep_save(values[attname].get_default(), connection)
        for attname, sql in select.items()
        if sql == "%s"
    ]
    columns = ", ".join(values[attname].column for attname in select)
    joined = (
        f" LEFT JOIN {Contact._meta.db_table} c ON c.no = s.company_no AND s.company_no <> ''"
        if persons
        else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Contact._meta.db_table} ({columns}) SELECT {', '.join(select.values())} "  # noqa: S608 - names of this module and the models
            f"FROM {STAGE} s{joined} WHERE s.seq >= %s AND s.seq <= %s ORDER BY s.seq",
            [*params, first, last],
        )


def _search_text(persons: bool) -> str:
    """SQL of ``search_text`` (``core.search``) from the folded staged values."""
    folded = {"no": "s.no_folded", "name": "s.f_name", "email": "s.f_email", "city": "s.f_city"}
    if persons:
        folded["city"] = (
            f"CASE WHEN s.city = '' AND c.id IS NOT NULL THEN {_city_fold('c')} ELSE s.f_city END"
        )
    sources = Contact._meta.get_field("search_text").sources
    code = ord(SEPARATOR)
    separator = f"char({code})" if connection.vendor == "sqlite" else f"chr({code})"
    return " || ".join([separator, *(f"{folded[name]} || {separator}" for name in sources)])


def _insert_history(user) -> None:
    """One *Created* history record per contact, as ``bulk_history_create`` writes it."""
    history = Contact.history.model
    fields = {field.attname: field for field in history._meta.concrete_fields}
    select, params = [], []
    for attname, field in fields.items():
        if attname == "history_id":
            continue
        if attname == "history_date":
            select.append("%s")
            params.append(field.get_db_prep_save(timezone.now(), connection))
        elif attname == "history_change_reason":
            select.append("%s")
            params.append(HISTORY_REASON)
        elif attname == "history_type":
            select.append("'+'")
        elif attname == "history_user_id":
            select.append("%s")
            params.append(user.pk if getattr(user, "pk", None) else None)
        else:
            select.append(f"c.{Contact._meta.get_field(field.name).column}")
    columns = ", ".join(fields[attname].column for attname in fields if attname != "history_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({columns}) SELECT {', '.join(select)} "  # noqa: S608 - names of this module and the models
            f"FROM {STAGE} s JOIN {Contact._meta.db_table} c ON c.no = s.no ORDER BY s.seq",
            params,
        )


def _insert_codes() -> None:
    """Each group's codes of every row: its list of ids split in SQL."""
    if connection.vendor == "postgresql":
        ids = (
            "CROSS JOIN LATERAL unnest(string_to_array(s.{column}, ',')) "
            "WITH ORDINALITY AS u (id, pos)"
        )
        code, position = "CAST(u.id AS bigint)", "u.pos"
    else:
        ids = "JOIN json_each('[' || s.{column} || ']') AS u"
        code, position = "u.value", "u.key"
    with connection.cursor() as cursor:
        for index, group in enumerate(CODE_GROUPS):
            through = group.through._meta
            code_column = through.get_field(group.code_field).column
            contact_column = through.get_field("contact").column
            column = f"codes_{index}"
            cursor.execute(
                f"INSERT INTO {through.db_table} ({contact_column}, {code_column}) "  # noqa: S608 - names of this module and the models
                f"SELECT c.id, {code} FROM {STAGE} s JOIN {Contact._meta.db_table} c "
                f"ON c.no = s.no {ids.format(column=column)} WHERE s.{column} <> '' "
                f"ORDER BY s.seq, {position}"
            )


# The service's steps ------------------------------------------------------------------


def record(staged: Staged, user) -> None:
    audit.record(
        user,
        AuditAction.CONTACTS_IMPORTED,
        None,
        staged.total,
        audit.message(
            gettext_noop(
                "Companies: %(companies)d, persons: %(persons)d, classification codes: %(codes)d"
            ),
            companies=staged.companies,
            persons=staged.persons,
            codes=staged.code_assignments,
        ),
    )


def import_rows(columns, rows, *, user, progress: Callable | None, batch_size: int) -> Staged:
    """Stage, check and publish ``rows``; ``ContactImportError`` when any row is wrong."""
    try:
        with transaction.atomic():
            staged = stage_file(columns, rows)
            if staged.blank:  # locked until the transaction ends, as the numbers are taken
                series = lock_series(Contact.number_series)
            else:
                series = NumberSeries.objects.filter(code=Contact.number_series).first()
            errors, total, error_rows = check_staged(staged, series)
            if errors:
                raise ContactImportError(errors, total=total, rows=error_rows)
            publish(staged, series, user=user, progress=progress, batch_size=batch_size)
            record(staged, user)
            drop_tables()
    except IntegrityError:
        # Every row passed, so someone else created the same No. meanwhile.
        raise ValidationError(
            _(
                "Another user created contacts with the same No. while the file was "
                "imported; nothing was imported. Please try again."
            )
        ) from None
    return staged


def check_rows(columns, rows) -> ImportCheck:
    """Stage and check ``rows`` without writing anything: the import page's summary."""
    result = None
    try:
        with transaction.atomic():
            staged = stage_file(columns, rows)
            series = NumberSeries.objects.filter(code=Contact.number_series).first()
            errors, total, error_rows = check_staged(staged, series)
            result = ImportCheck(
                columns=columns,
                total=staged.total,
                companies=staged.companies,
                persons=staged.persons,
                code_assignments=staged.code_assignments,
                preview=staged.preview,
                errors=errors,
                error_total=total,
                error_row_count=error_rows,
            )
            raise _CheckOnly
    except _CheckOnly:
        pass
    return result


def check_contacts_csv(*, data) -> ImportCheck:
    """Validate CSV ``data`` (bytes or a binary file, read as a stream) without
    writing anything: counts, the first rows, the first ``MAX_ERRORS`` errors."""
    columns, rows = stream_contacts_csv(binary_stream(data))
    return check_rows(columns, rows)
