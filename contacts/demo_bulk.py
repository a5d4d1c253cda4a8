"""Bulk demo contacts for ``manage.py demo --contacts N`` (the million-contact data set).

Everything is generated set-based (see ``core.demo_bulk``): a fixed number of
``INSERT … SELECT`` statements whatever N is. No history rows are written.

The layout, on which the benchmark suite relies. ``s`` = 0 … N-1 numbers the bulk
contacts in id order (ids and Nos. are consecutive: ``id = first id + s``,
No. = the ``CONTACT`` series' next number + s):

- **Companies and persons.** Contacts come in cycles of 9: ``s % 9 == 0`` is a
  company with the 3 persons ``s+1 … s+3``, ``s % 9 == 4`` a company with the 4
  persons ``s+5 … s+8`` (so 2 companies : 7 persons; N = 1,000,000 gives 222,223
  companies and 777,777 persons). Persons share their company's address, city,
  phone, salesperson and language. The companies are numbered ``c`` = 0, 1, 2 … in
  the same order (``c = 2 * (s // 9) + (s % 9 == 4)``).
- **Exclude from segments**: every contact with ``s % 50 == 49`` (2 %).
- **Industry groups** (companies, one each): ``INDUSTRY_GROUPS[c % 5]`` — RETAIL,
  WHOLESALE, MANUFACT, SERVICES, PUBLIC; each held by exactly every 5th company.
  An industry group counts for the company's persons too, so *industry group =
  RETAIL* selects about 20 % of all contacts (N = 1M: 44,445 companies + 155,554
  persons = 199,999 contacts).
- **Job responsibilities** (persons): ``JOB_RESPONSIBILITIES[s % 5]`` for every
  person, and ``JOB_RESPONSIBILITIES[(s + 2) % 5]`` as a second one for persons
  with ``s % 3 == 0``.
- **Mailing groups** (companies and persons): **BULK20 on exactly every 5th bulk
  contact** (``s % 5 == 0``: ceil(N / 5) contacts, none of them excluded from
  segments, so a single criteria action with mailing group BULK20 adds exactly
  200,000 of 1M contacts); NEWSLETTER on ``s % 2 == 1`` (half), CHRISTMAS on
  ``s % 7 == 3``, FAIR on ``s % 10 == 6``.
- **Business relations** (companies): CUST on the customers (below), PROS on
  ``c % 3 == 1``, VEND on ``c % 10 == 2``, PRESS on ``c % 25 == 5``.
- **Customers**: every 3rd company (``c % 3 == 0``, customer ``k = c // 3``:
  ceil(companies / 3) customers, 74,075 for 1M contacts), with the company's name
  and salesperson and the CUST relation, as *Create as customer* makes them.
  Price group ``[RETAIL, WHOLESALE, DEALER, none][k % 4]``, discount group
  ``[LARGE, SMALL, none][k % 3]``; every 100th (``k % 100 == 99``) is blocked.
  No ``customer_created_from_contact`` signal is sent: a bulk contact is in no
  segment yet, so there is no campaign target to turn into a customer target.

Names, cities, streets, phones and e-mail addresses combine the word lists below.
"""

from django.db import connection

from contacts.demo import (
    BUSINESS_RELATIONS,
    DISCOUNT_GROUPS,
    INDUSTRY_GROUPS,
    JOB_RESPONSIBILITIES,
    MAILING_GROUPS,
    PRICE_GROUPS,
    TITLES,
)
from contacts.models import (
    CUSTOMER_RELATION,
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
    CorrespondenceType,
    Customer,
    CustomerDiscountGroup,
    CustomerPriceGroup,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from core.demo_bulk import (
    Statement,
    analyze,
    ensure_codes,
    indexes_built_afterwards,
    insert_select,
    lock_tables,
    mix,
    next_id,
    reserve_numbers,
    reset_sequences,
    series,
    step,
)
from core.search import SEPARATOR, sqlite_index_rebuilt_afterwards
from salespeople.models import Salesperson

BULK_MAILING_GROUP = "BULK20"  # held by exactly every 5th bulk contact
BULK_MAILING_GROUPS = [(BULK_MAILING_GROUP, "Bulk demo: every 5th contact")]
BULK_PRICE_GROUPS = [("DEALER", "Dealer prices")]
CYCLE = 9  # contacts per cycle: company, 3 persons, company, 4 persons
COMPANY_POSITIONS = (0, 4)

COMPANY_WORDS = [
    "Adatum", "Fabrikam", "Contoso", "Northwind", "Litware", "Proseware", "Tailspin",
    "Wingtip", "Alpine", "Coho", "Lucerne", "Trey", "Woodgrove", "Blue Yonder", "Humongous",
    "Southridge", "Wide World", "Fourth Coffee", "Margie", "Graphic", "Nod", "Relecloud",
    "Bellows", "Datum", "Tasmanian", "Van Arsdel", "Wingspan", "Consolidated", "Lamna",
    "Liberty", "Boulder", "Cronus", "Kestrel", "Orion", "Polder", "Zeeland", "Amstel",
    "Brabant", "Delta", "Eems", "Friesland", "Gouda", "Hanze", "IJssel", "Kennemer",
    "Linge", "Maas", "Noorder", "Oranje", "Rijn",
]  # fmt: skip
SECTORS = [
    "Office Supplies", "Furniture", "Logistics", "Consulting", "Design", "Systems", "Foods",
    "Engineering", "Interiors", "Trading", "Printing", "Software", "Retail", "Wholesale",
    "Construction", "Electronics", "Textiles", "Packaging", "Media", "Travel", "Energy",
    "Healthcare", "Automotive", "Catering", "Cleaning", "Security", "Marine", "Garden",
    "Lighting", "Hardware",
]  # fmt: skip
COMPANY_SUFFIXES = [
    "Group", "Corporation", "& Partners", "Holding", "International", "Solutions",
    "Company", "Works",
]  # fmt: skip
FIRST_NAMES = [
    "Anna", "Bram", "Chris", "Daan", "Eva", "Femke", "Gert", "Hanna", "Ivo", "Julia", "Kees",
    "Lotte", "Maarten", "Noor", "Olaf", "Pien", "Quinten", "Roos", "Sven", "Tess", "Ugo",
    "Vera", "Willem", "Xander", "Yara", "Zoe", "Alice", "Ben", "Claire", "David", "Emma",
    "Frank", "Grace", "Henry", "Isla", "Jack", "Kate", "Liam", "Mia", "Noah", "Olivia",
    "Peter", "Rachel", "Sam", "Thomas", "Ursula", "Victor", "Wendy", "Yusuf", "Zara", "Ahmed",
    "Fatima", "Jan", "Marieke", "Pieter", "Sanne", "Tim", "Lisa", "Ruben", "Iris",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos",
    "Peters", "de Jong", "van Dijk", "de Boer", "Dekker", "Brouwer", "de Wit", "Dijkstra",
    "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Berg",
    "van der Linden", "Hendriks", "van Leeuwen", "Schouten", "Willems", "Hoekstra", "Koster",
    "Prins", "Huisman", "Kuipers", "Verhoeven", "Post", "Vink", "Kramer", "Scholten", "Smith",
    "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell", "Rose",
    "Davis", "Cooper", "Morris", "Ward", "King", "Baker", "Harris", "Lee", "Turner", "Hill",
    "Moore", "Young",
]  # fmt: skip
STREETS = [
    "Keizersgracht", "Herengracht", "Stationsplein", "Main Street", "High Street", "Dorpsstraat",
    "Kerkstraat", "Schoolstraat", "Molenweg", "Industrieweg", "Nieuwstraat", "Marktplein",
    "Church Road", "Station Road", "Park Avenue", "Mill Lane", "Hauptstrasse", "Bahnhofstrasse",
    "Rue de la Gare", "Grote Markt", "Parallelweg", "Julianalaan", "Beatrixlaan", "Havenweg",
    "Zuiderweg", "Noordkade", "Oostsingel", "Westblaak", "Kanaalweg", "Lindenlaan",
]  # fmt: skip
# city, country, post code head (NL/BE/DE: the first digits; GB: the outward code), phone
CITIES = [
    ("Amsterdam", "NL", "10", "+31 20"),
    ("Rotterdam", "NL", "30", "+31 10"),
    ("Utrecht", "NL", "35", "+31 30"),
    ("Eindhoven", "NL", "56", "+31 40"),
    ("Groningen", "NL", "97", "+31 50"),
    ("The Hague", "NL", "25", "+31 70"),
    ("Tilburg", "NL", "50", "+31 13"),
    ("Almere", "NL", "13", "+31 36"),
    ("Breda", "NL", "48", "+31 76"),
    ("Nijmegen", "NL", "65", "+31 24"),
    ("Arnhem", "NL", "68", "+31 26"),
    ("Haarlem", "NL", "20", "+31 23"),
    ("Enschede", "NL", "75", "+31 53"),
    ("Maastricht", "NL", "62", "+31 43"),
    ("Zwolle", "NL", "80", "+31 38"),
    ("Leiden", "NL", "23", "+31 71"),
    ("Delft", "NL", "26", "+31 15"),
    ("Alkmaar", "NL", "18", "+31 72"),
    ("Leeuwarden", "NL", "89", "+31 58"),
    ("Apeldoorn", "NL", "73", "+31 55"),
    ("Antwerp", "BE", "20", "+32 3"),
    ("Brussels", "BE", "10", "+32 2"),
    ("Ghent", "BE", "90", "+32 9"),
    ("Leuven", "BE", "30", "+32 16"),
    ("Bruges", "BE", "80", "+32 50"),
    ("Berlin", "DE", "101", "+49 30"),
    ("Hamburg", "DE", "201", "+49 40"),
    ("Cologne", "DE", "506", "+49 221"),
    ("Dusseldorf", "DE", "402", "+49 211"),
    ("Munich", "DE", "803", "+49 89"),
    ("London", "GB", "EC1A", "+44 20"),
    ("Manchester", "GB", "M1", "+44 161"),
    ("Birmingham", "GB", "B1", "+44 121"),
    ("Leeds", "GB", "LS1", "+44 113"),
    ("Bristol", "GB", "BS1", "+44 117"),
    ("Glasgow", "GB", "G1", "+44 141"),
    ("Liverpool", "GB", "L1", "+44 151"),
    ("Edinburgh", "GB", "EH1", "+44 131"),
    ("Cambridge", "GB", "CB1", "+44 1223"),
    ("Oxford", "GB", "OX1", "+44 1865"),
]
DUTCH_SPEAKING = {"NL", "BE"}
POST_CODE_LETTERS = "ABCEGHJKLMNPRSTVWXZ"
COMPANY_CORRESPONDENCE = [
    CorrespondenceType.BLANK,
    CorrespondenceType.HARD_COPY,
    CorrespondenceType.EMAIL,
]
CUSTOMER_PRICE_GROUPS = ["RETAIL", "WHOLESALE", "DEALER", None]
CUSTOMER_DISCOUNT_GROUPS = ["LARGE", "SMALL", None]
# mailing group -> (every, at): held by the bulk contacts with s % every == at
MAILING = {BULK_MAILING_GROUP: (5, 0), "NEWSLETTER": (2, 1), "CHRISTMAS": (7, 3), "FAIR": (10, 6)}
# business relation -> (every, at): held by the bulk companies with c % every == at
RELATIONS = {"PROS": (3, 1), "VEND": (10, 2), "PRESS": (25, 5)}

BULK_TABLES = [
    Contact,
    Customer,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactBusinessRelation,
]


def companies_in(n: int) -> int:
    """How many of ``n`` bulk contacts are companies."""
    full, rest = divmod(n, CYCLE)
    return len(COMPANY_POSITIONS) * full + sum(1 for p in COMPANY_POSITIONS if p < rest)


def customers_in(n: int) -> int:
    """How many bulk customers ``n`` bulk contacts bring (every 3rd company)."""
    return (companies_in(n) + 2) // 3


def is_loaded() -> bool:
    """Bulk contacts are there (the mailing group only they hold is in use)."""
    return ContactMailingGroup.objects.filter(mailing_group__code=BULK_MAILING_GROUP).exists()


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _numbered(source: str) -> str:
    """The derived columns every contact statement uses, from the series ``seq(s)``:
    ``p`` the position in the cycle, ``c`` the company number and ``cs`` the
    company's ``s`` (a company's own). Plain integer arithmetic, no CASE: the
    expressions are repeated wherever the outer query uses them."""
    second = COMPANY_POSITIONS[1]
    after_second = f"((s %% {CYCLE} + {CYCLE - second}) / {CYCLE})"  # 1 from the 2nd company on
    return (
        f"SELECT s, s %% {CYCLE} AS p, "  # noqa: S608 - integers only
        f"{CYCLE} * (s / {CYCLE}) + {second} * {after_second} AS cs, "
        f"2 * (s / {CYCLE}) + {after_second} AS c FROM {source}"
    )


def load_bulk(n: int, stdout=None, **_sizes) -> dict:
    """Generate ``n`` bulk contacts with codes and customers (see the module docstring).

    Runs in the caller's transaction; returns the counts written.
    """
    lock_tables(*BULK_TABLES)
    codes = {
        "industry": ensure_codes(IndustryGroup, INDUSTRY_GROUPS),
        "jobs": ensure_codes(JobResponsibility, JOB_RESPONSIBILITIES),
        "mailing": ensure_codes(MailingGroup, MAILING_GROUPS + BULK_MAILING_GROUPS),
        "relations": ensure_codes(BusinessRelation, BUSINESS_RELATIONS),
        "price_groups": ensure_codes(CustomerPriceGroup, PRICE_GROUPS + BULK_PRICE_GROUPS),
        "discount_groups": ensure_codes(CustomerDiscountGroup, DISCOUNT_GROUPS),
    }
    salespeople = list(
        Salesperson.objects.filter(blocked=False).order_by("code").values_list("id", flat=True)
    )
    first_id = next_id(Contact)
    numbers = reserve_numbers(Contact.number_series, Contact, n)
    counts = {}
    with (
        indexes_built_afterwards(*BULK_TABLES, stdout=stdout),
        sqlite_index_rebuilt_afterwards(Contact, Customer, stdout=stdout),
    ):
        with step(stdout, "contacts") as result:
            counts["contacts"] = result["rows"] = _insert_contacts(
                n, first_id, numbers, salespeople
            )
        with step(stdout, "industry groups, job responsibilities, mailing groups") as result:
            result["rows"] = _insert_codes(n, first_id, codes)
        with step(stdout, "customers") as result:
            counts["customers"] = result["rows"] = _insert_customers(n, first_id, codes)
        with step(stdout, "business relations") as result:
            result["rows"] = _insert_relations(n, first_id, codes)
    with step(stdout, "sequences and statistics"):
        reset_sequences(Contact, Customer)
        analyze(*BULK_TABLES)
    return counts


def _insert_contacts(n, first_id, numbers, salespeople) -> int:
    st, columns = _contact_columns(first_id, numbers, salespeople)
    return insert_select(st, Contact, columns, series(n), f"({_numbered('seq')}) AS numbered")


def _contact_columns(first_id, numbers, salespeople) -> tuple[Statement, dict]:
    st = Statement()
    city = mix("c", 11, len(CITIES))
    country = st.pick([row[1] for row in CITIES], city)
    letter = f"substr({st.param(POST_CODE_LETTERS)}, {{}} + 1, 1)"
    letters = (
        letter.format(mix("c", 12, len(POST_CODE_LETTERS)))
        + " || "
        + letter.format(mix("c", 13, len(POST_CODE_LETTERS)))
    )
    two_digits = f"substr(CAST(100 + {mix('c', 14, 100)} AS TEXT), 2, 2)"
    post_code = (
        f"{st.pick([row[2] for row in CITIES], city)} || CASE {country} "
        f"WHEN 'GB' THEN ' ' || CAST({mix('c', 15, 9)} + 1 AS TEXT) || {letters} "
        f"WHEN 'NL' THEN {two_digits} || ' ' || {letters} "
        f"ELSE {two_digits} END"
    )
    language = st.pick(["nl" if row[1] in DUTCH_SPEAKING else "en" for row in CITIES], city)
    company_name = (
        f"{st.pick(COMPANY_WORDS, 'c %% ' + str(len(COMPANY_WORDS)))} || ' ' || "
        f"{st.pick(SECTORS, mix('c', 21, len(SECTORS)))} || ' ' || "
        f"{st.pick(COMPANY_SUFFIXES, mix('c', 22, len(COMPANY_SUFFIXES)))}"
    )
    domain = (
        f"{st.pick([_slug(w) for w in COMPANY_WORDS], 'c %% ' + str(len(COMPANY_WORDS)))}"
        " || CAST(c AS TEXT) || '.example.com'"
    )
    first = mix("s", 31, len(FIRST_NAMES))
    last = mix("s", 32, len(LAST_NAMES))
    person_name = f"{st.pick(FIRST_NAMES, first)} || ' ' || {st.pick(LAST_NAMES, last)}"
    person_email = (
        f"{st.pick([_slug(w) for w in FIRST_NAMES], first)} || '.' || "
        f"{st.pick([_slug(w) for w in LAST_NAMES], last)} || '@' || {domain}"
    )
    is_company = f"p IN ({', '.join(map(str, COMPANY_POSITIONS))})"
    salesperson = st.case(mix("c", 41, len(salespeople)), salespeople) if salespeople else "NULL"
    job_titles = [TITLES[code] for code, _description in JOB_RESPONSIBILITIES]
    columns = {
        "id": f"{first_id} + s",
        "no": numbers.sql(st, "s"),
        "type": f"CASE WHEN {is_company} THEN {st.param(ContactType.COMPANY)} "
        f"ELSE {st.param(ContactType.PERSON)} END",
        "name": f"CASE WHEN {is_company} THEN {company_name} ELSE {person_name} END",
        "company_id": f"CASE WHEN {is_company} THEN NULL ELSE {first_id} + cs END",
        "address": f"{st.pick(STREETS, mix('c', 51, len(STREETS)))} || ' ' || "
        "CAST(c %% 199 + 1 AS TEXT)",
        "post_code": post_code,
        "city": st.pick([row[0] for row in CITIES], city),
        "country_code": country,
        "phone": f"{st.pick([row[3] for row in CITIES], city)} || ' ' || "
        f"CAST(100000 + {mix('c', 52, 900000)} AS TEXT)",
        "mobile": f"CASE WHEN {is_company} THEN '' ELSE "
        f"'+31 6 ' || CAST(10000000 + {mix('s', 53, 60000)} * 1000 + s %% 1000 AS TEXT) END",
        "email": f"CASE WHEN {is_company} THEN 'info@' || {domain} ELSE {person_email} END",
        "salesperson_id": salesperson,
        "language": language,
        "correspondence_type": f"CASE WHEN {is_company} THEN "
        f"{st.pick(COMPANY_CORRESPONDENCE, 'c %% 3')} "
        f"WHEN s %% 4 = 0 THEN {st.param(CorrespondenceType.HARD_COPY)} "
        f"ELSE {st.param(CorrespondenceType.EMAIL)} END",
        "exclude_from_segments": "(s %% 50 = 49)",
        "job_title": f"CASE WHEN {is_company} THEN '' ELSE "
        f"{st.pick(job_titles, 's %% ' + str(len(job_titles)))} END",
        "external_id": "''",  # set by another system through the API only
    }
    columns["search_text"] = search_text_sql(
        st, *(columns[name] for name in Contact._meta.get_field("search_text").sources)
    )
    return st, columns


def search_text_sql(st: Statement, *values: str) -> str:
    """SQL for ``core.search.search_text`` of ``values``: the words above are plain
    ASCII (a test holds it), for which folding is ``lower()``."""
    separator = st.param(SEPARATOR)
    return " || ".join([separator, *(f"lower({value}) || {separator}" for value in values)])


def _insert_codes(n, first_id, codes) -> int:
    rows = 0
    numbered = f"({_numbered('seq')}) AS numbered"
    companies = f"p IN ({', '.join(map(str, COMPANY_POSITIONS))})"
    # Industry groups: one per company, INDUSTRY_GROUPS[c % 5].
    st = Statement()
    industry = [codes["industry"][code] for code, _d in INDUSTRY_GROUPS]
    rows += insert_select(
        st,
        ContactIndustryGroup,
        {"contact_id": f"{first_id} + s", "industry_group_id": st.case("c %% 5", industry)},
        series(n),
        numbered,
        companies,
    )
    # Job responsibilities: persons, one by s % 5 and a second one for every 3rd.
    jobs = [codes["jobs"][code] for code, _d in JOB_RESPONSIBILITIES]
    for offset, condition in [(0, ""), (2, " AND s %% 3 = 0")]:
        st = Statement()
        rows += insert_select(
            st,
            ContactJobResponsibility,
            {
                "contact_id": f"{first_id} + s",
                "job_responsibility_id": st.case(f"(s + {offset}) %% {len(jobs)}", jobs),
            },
            series(n),
            numbered,
            f"NOT ({companies}){condition}",
        )
    # Mailing groups: every contact with s % every == at, straight from a stepped series.
    for code, (every, at) in MAILING.items():
        st = Statement()
        rows += insert_select(
            st,
            ContactMailingGroup,
            {
                "contact_id": f"{first_id + at} + s",
                "mailing_group_id": st.param(codes["mailing"][code]),
            },
            series(n - at, every),
            "seq",
        )
    return rows


def _insert_customers(n, first_id, codes) -> int:
    """Every 3rd company becomes a customer, numbered in company order."""
    count = customers_in(n)
    numbers = reserve_numbers(Customer.number_series, Customer, count)
    first_customer_id = next_id(Customer)
    st = Statement()
    price_groups = [codes["price_groups"].get(code) for code in CUSTOMER_PRICE_GROUPS]
    discount_groups = [codes["discount_groups"].get(code) for code in CUSTOMER_DISCOUNT_GROUPS]
    qn = connection.ops.quote_name
    # The company number c from the id (see _numbered), and its customer number c / 3.
    second = COMPANY_POSITIONS[1]
    company = (
        f"SELECT id, name, salesperson_id, 2 * ((id - {first_id}) / {CYCLE}) + "  # noqa: S608
        f"((id - {first_id}) %% {CYCLE} + {CYCLE - second}) / {CYCLE} AS c "
        f"FROM {qn(Contact._meta.db_table)} "
        f"WHERE id >= {first_id} AND id < {first_id + n} "
        f"AND type = {st.param(ContactType.COMPANY)}"
    )
    columns = {
        "id": f"{first_customer_id} + c / 3",
        "no": numbers.sql(st, "c / 3"),
        "name": "name",
        "blocked": "((c / 3) %% 100 = 99)",
        "contact_id": "id",
        "salesperson_id": "salesperson_id",
        "price_group_id": st.case(f"(c / 3) %% {len(price_groups)}", price_groups),
        "discount_group_id": st.case(f"(c / 3) %% {len(discount_groups)}", discount_groups),
    }
    columns["search_text"] = search_text_sql(st, columns["no"], "name")  # No. and name
    inserted = insert_select(st, Customer, columns, "", f"({company}) AS company", "c %% 3 = 0")
    # Like create_customer_from_contact: the CUST relation links company and customer.
    st = Statement()
    insert_select(
        st,
        ContactBusinessRelation,
        {
            "contact_id": "contact_id",
            "business_relation_id": st.param(codes["relations"][CUSTOMER_RELATION]),
        },
        "",
        qn(Customer._meta.db_table),
        f"id >= {first_customer_id}",
    )
    return inserted


def _insert_relations(n, first_id, codes) -> int:
    rows = 0
    numbered = f"({_numbered('seq')}) AS numbered"
    for code, (every, at) in RELATIONS.items():
        st = Statement()
        rows += insert_select(
            st,
            ContactBusinessRelation,
            {
                "contact_id": f"{first_id} + s",
                "business_relation_id": st.param(codes["relations"][code]),
            },
            series(n),
            numbered,
            f"p IN ({', '.join(map(str, COMPANY_POSITIONS))}) AND c %% {every} = {at}",
        )
    return rows
