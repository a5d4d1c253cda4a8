"""Demo contacts: companies with persons, classification codes and customers."""

import random

from django.utils.translation import gettext_lazy as _

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
    Language,
    MailingGroup,
)
from contacts.services import create_customer_from_contact
from salespeople.models import Salesperson

INDUSTRY_GROUPS = [
    ("RETAIL", _("Retail")),
    ("WHOLESALE", _("Wholesale")),
    ("MANUFACT", _("Manufacturing")),
    ("SERVICES", _("Professional services")),
    ("PUBLIC", _("Public sector")),
]
JOB_RESPONSIBILITIES = [
    ("PURCHASE", _("Purchasing")),
    ("SALES", _("Sales")),
    ("MARKETING", _("Marketing")),
    ("IT", _("Information technology")),
    ("MANAGEMENT", _("Management")),
]
MAILING_GROUPS = [
    ("NEWSLETTER", _("Newsletter")),
    ("CHRISTMAS", _("Christmas card")),
    ("FAIR", _("Fairs")),
]
BUSINESS_RELATIONS = [
    (CUSTOMER_RELATION, _("Customer")),
    ("PROS", _("Prospect")),
    ("VEND", _("Vendor")),
    ("PRESS", _("Press")),
]
PRICE_GROUPS = [("RETAIL", _("Retail prices")), ("WHOLESALE", _("Wholesale prices"))]
DISCOUNT_GROUPS = [("LARGE", _("Large accounts")), ("SMALL", _("Small accounts"))]

CITIES = [
    ("Amsterdam", "1012 AB"),
    ("Rotterdam", "3011 AD"),
    ("Utrecht", "3511 AA"),
    ("Eindhoven", "5611 AB"),
    ("Groningen", "9711 AA"),
    ("London", "EC1A 1BB"),
    ("Manchester", "M1 1AE"),
]
COMPANY_WORDS = [
    "Adatum",
    "Fabrikam",
    "Contoso",
    "Northwind",
    "Litware",
    "Proseware",
    "Tailspin",
    "Wingtip",
    "Alpine",
    "Coho",
    "Fourth Coffee",
    "Lucerne",
    "Margie's",
    "Trey",
    "Woodgrove",
    "Blue Yonder",
    "Graphic Design",
    "Humongous",
    "Nod",
    "Southridge",
]
COMPANY_SUFFIX = ["Corporation", "B.V.", "Ltd.", "Office Supplies", "Furniture", "Group"]
FIRST = ["Anna", "Bram", "Chris", "Daan", "Eva", "Femke", "Gert", "Hanna", "Ivo", "Julia", "Kees"]
LAST = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
]
TITLES = {
    "PURCHASE": _("Purchaser"),
    "SALES": _("Sales manager"),
    "MARKETING": _("Marketing officer"),
    "IT": _("IT manager"),
    "MANAGEMENT": _("Managing director"),
}

COMPANIES = 40
PERSONS_PER_COMPANY = (2, 6)


def _codes(model, rows):
    for code, description in rows:
        model.objects.update_or_create(code=code, defaults={"description": str(description)})
    return {obj.code: obj for obj in model.objects.all()}


def load(stdout=None):
    industry = _codes(IndustryGroup, INDUSTRY_GROUPS)
    jobs = _codes(JobResponsibility, JOB_RESPONSIBILITIES)
    mailing = _codes(MailingGroup, MAILING_GROUPS)
    relations = _codes(BusinessRelation, BUSINESS_RELATIONS)
    price_groups = _codes(CustomerPriceGroup, PRICE_GROUPS)
    discount_groups = _codes(CustomerDiscountGroup, DISCOUNT_GROUPS)
    if Contact.objects.exists():
        return  # contacts are loaded once; the codes above stay up to date
    rng = random.Random(2026)  # the same demo data every time
    salespeople = list(Salesperson.objects.filter(blocked=False))
    for index in range(COMPANIES):
        city, post_code = rng.choice(CITIES)
        name = f"{COMPANY_WORDS[index % len(COMPANY_WORDS)]} {COMPANY_SUFFIX[index % 6]}"
        domain = name.split()[0].lower().replace("'", "")
        company = Contact.objects.create(
            type=ContactType.COMPANY,
            name=name,
            address=f"{rng.choice(['Keizersgracht', 'Main Street', 'Stationsplein'])} {index + 1}",
            post_code=post_code,
            city=city,
            country_code="GB" if city in {"London", "Manchester"} else "NL",
            phone=f"+31 20 555 {1000 + index}",
            email=f"info@{domain}{index}.example.com",
            salesperson=rng.choice(salespeople),
            language=Language.ENGLISH if city in {"London", "Manchester"} else Language.DUTCH,
            correspondence_type=rng.choice(list(CorrespondenceType.values)),
            exclude_from_segments=index % 17 == 16,
        )
        ContactIndustryGroup.objects.create(
            contact=company, industry_group=industry[INDUSTRY_GROUPS[index % 5][0]]
        )
        relation = "PROS" if index % 3 == 1 else ("VEND" if index % 7 == 3 else None)
        if relation:
            ContactBusinessRelation.objects.create(
                contact=company, business_relation=relations[relation]
            )
        if index % 8 == 0:
            ContactBusinessRelation.objects.create(
                contact=company, business_relation=relations["PRESS"]
            )
        for person_index in range(rng.randint(*PERSONS_PER_COMPANY)):
            job = JOB_RESPONSIBILITIES[(index + person_index) % 5][0]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            person = Contact.objects.create(
                type=ContactType.PERSON,
                name=f"{first} {last}",
                company=company,
                job_title=str(TITLES[job]),
                address=company.address,
                post_code=company.post_code,
                city=company.city,
                country_code=company.country_code,
                phone=company.phone,
                email=f"{first}.{last.replace(' ', '')}@{domain}{index}.example.com".lower(),
                salesperson=company.salesperson,
                language=company.language,
                correspondence_type=rng.choice(
                    [CorrespondenceType.EMAIL, CorrespondenceType.HARD_COPY]
                ),
            )
            ContactJobResponsibility.objects.create(contact=person, job_responsibility=jobs[job])
            if person_index % 2 == 0:
                ContactMailingGroup.objects.create(
                    contact=person, mailing_group=mailing[MAILING_GROUPS[index % 3][0]]
                )
        # About a third of the companies that are not prospects are customers.
        if relation is None and index % 3 != 1:
            create_customer_from_contact(
                contact=company,
                price_group=price_groups[PRICE_GROUPS[index % 2][0]],
                discount_group=discount_groups[DISCOUNT_GROUPS[index % 2][0]],
            )
    if stdout:
        stdout.write(f"{Contact.objects.count()} contacts, {Customer.objects.count()} customers")
