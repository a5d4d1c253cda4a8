"""Contacts, customers and their classification codes (docs/contacts.md)."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Upper
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import CardUrlMixin, CodeTable, NumberedModel
from core.search import SearchTextField, SearchTextMixin
from salespeople.models import Salesperson

CUSTOMER_RELATION = "CUST"


class ContactType(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class CorrespondenceType(models.TextChoices):
    BLANK = "", _("(blank)")
    HARD_COPY = "hard_copy", _("Hard copy")
    EMAIL = "email", _("E-mail")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    DUTCH = "nl", _("Dutch")


class IndustryGroup(CodeTable):
    """Classifies companies by industry (e.g. RETAIL, WHOLESALE)."""

    class Meta(CodeTable.Meta):
        verbose_name = _("industry group")
        verbose_name_plural = _("industry groups")


class JobResponsibility(CodeTable):
    """What a person is responsible for (e.g. PURCHASE, SALES, IT)."""

    class Meta(CodeTable.Meta):
        verbose_name = _("job responsibility")
        verbose_name_plural = _("job responsibilities")


class MailingGroup(CodeTable):
    """Groups contacts that receive the same mailings (e.g. CHRISTMAS, NEWSLETTER)."""

    class Meta(CodeTable.Meta):
        verbose_name = _("mailing group")
        verbose_name_plural = _("mailing groups")


class BusinessRelation(CodeTable):
    """How a company relates to us (e.g. CUST, PROS, VEND, PRESS)."""

    class Meta(CodeTable.Meta):
        verbose_name = _("business relation")
        verbose_name_plural = _("business relations")


class CustomerPriceGroup(CodeTable):
    """Customers that get the same sales prices."""

    class Meta(CodeTable.Meta):
        verbose_name = _("customer price group")
        verbose_name_plural = _("customer price groups")


class CustomerDiscountGroup(CodeTable):
    """Customers that get the same sales line discounts."""

    class Meta(CodeTable.Meta):
        verbose_name = _("customer discount group")
        verbose_name_plural = _("customer discount groups")


class ContactQuerySet(models.QuerySet):
    def companies(self):
        return self.filter(type=ContactType.COMPANY)

    def persons(self):
        return self.filter(type=ContactType.PERSON)

    def with_company_key(self):
        """Annotate ``company_key``: the company's id (a company's is its own)."""
        return self.annotate(
            company_key=Coalesce("company_id", "id", output_field=models.BigIntegerField())
        )


# The fields a user gives a contact, in the order the edit form, the import file and the
# API take them (``company_no``: the company contact's No.).
CONTACT_FIELDS = [
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
]


class Contact(SearchTextMixin, CardUrlMixin, NumberedModel):
    """A company or a person (working for a company) that campaigns can target."""

    number_series = "CONTACT"

    type = models.CharField(
        _("type"), max_length=10, choices=ContactType.choices, default=ContactType.COMPANY
    )
    name = models.CharField(_("name"), max_length=100)
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        limit_choices_to={"type": ContactType.COMPANY},
        help_text=_("The company this person works for."),
    )
    address = models.CharField(_("address"), max_length=100, blank=True)
    post_code = models.CharField(_("post code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    country_code = models.CharField(_("country/region code"), max_length=10, blank=True)
    phone = models.CharField(_("phone No."), max_length=30, blank=True)
    mobile = models.CharField(_("mobile phone No."), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    correspondence_type = models.CharField(
        _("correspondence type"),
        max_length=10,
        choices=CorrespondenceType.choices,
        blank=True,
        default=CorrespondenceType.BLANK,
    )
    exclude_from_segments = models.BooleanField(
        _("exclude from segments"),
        default=False,
        help_text=_("Criteria skip this contact unless they ignore the exclusion."),
    )
    job_title = models.CharField(_("job title"), max_length=50, blank=True)
    # The key another system (a web shop, an ERP) knows the contact by: upsert matches
    # on it (docs/api.md, Bulk upsert and external ids). Unique where it is not blank.
    external_id = models.CharField(
        _("external ID"),
        max_length=100,
        blank=True,
        default="",
        # Set-based inserts that name their columns (demo data) leave it blank.
        db_default="",
        help_text=_("The key another system knows this contact by; unique when given."),
    )
    # The list search looks inside these, ignoring case and accents (core.search;
    # docs/performance.md, Search): a trigram index on PostgreSQL, FTS5 on SQLite.
    search_text = SearchTextField(_("search text"), sources=("no", "name", "email", "city"))

    industry_groups = models.ManyToManyField(
        IndustryGroup,
        through="ContactIndustryGroup",
        verbose_name=_("industry groups"),
        blank=True,
        related_name="contacts",
    )
    job_responsibilities = models.ManyToManyField(
        JobResponsibility,
        through="ContactJobResponsibility",
        verbose_name=_("job responsibilities"),
        blank=True,
        related_name="contacts",
    )
    mailing_groups = models.ManyToManyField(
        MailingGroup,
        through="ContactMailingGroup",
        verbose_name=_("mailing groups"),
        blank=True,
        related_name="contacts",
    )
    business_relations = models.ManyToManyField(
        BusinessRelation,
        through="ContactBusinessRelation",
        verbose_name=_("business relations"),
        blank=True,
        related_name="contacts",
    )

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["no"]
        indexes = [
            # (name, id), (city, id), (email, id): the list sorted by one of these
            # pages by the value and then the id (docs/performance.md, Lists). With
            # the value alone, a page deep in a common value (12,000 contacts share a
            # name at ten million, 25,000 a city at one million, and real files have
            # many blank e-mails) reads and sorts every contact of that value first.
            models.Index(fields=["name", "id"], name="contact_name_id_idx"),
            models.Index(fields=["city", "id"], name="contact_city_id_idx"),
            models.Index(fields=["post_code"], name="contact_post_code_idx"),
            models.Index(fields=["email", "id"], name="contact_email_id_idx"),
            models.Index(fields=["type", "no"], name="contact_type_no_idx"),
            models.Index(fields=["country_code"], name="contact_country_idx"),
            # Upsert matches up to 10,000 external ids at once: more than PostgreSQL
            # proves inside the unique constraint's partial index (not blank).
            models.Index(fields=["external_id"], name="contact_external_id_idx"),
            # The list search is a case-insensitive prefix range on these
            # (core.filters.prefix_condition); No. is upper case and uses its own.
            models.Index(Upper("name"), name="contact_name_upper_idx"),
            models.Index(Upper("email"), name="contact_email_upper_idx"),
            models.Index(Upper("city"), name="contact_city_upper_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type=ContactType.PERSON) | Q(company__isnull=True),
                name="contact_only_persons_have_a_company",
                violation_error_message=_("Only a person can belong to a company."),
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique",
                violation_error_message=_("Another contact has this external ID."),
            ),
        ]

    def __str__(self):
        return f"{self.no} {self.name}"

    @property
    def is_company(self) -> bool:
        return self.type == ContactType.COMPANY

    @property
    def company_no_id(self) -> int:
        """The company No. (docs/contacts.md): a person's company, a company itself."""
        return self.company_id or self.id


class ContactIndustryGroup(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, verbose_name=_("contact"))
    industry_group = models.ForeignKey(
        IndustryGroup, on_delete=models.PROTECT, verbose_name=_("industry group")
    )

    class Meta:
        verbose_name = _("contact industry group")
        verbose_name_plural = _("contact industry groups")
        constraints = [
            models.UniqueConstraint(
                fields=["industry_group", "contact"], name="contact_industry_group_once"
            )
        ]

    def __str__(self):
        return f"{self.contact_id}: {self.industry_group_id}"


class ContactJobResponsibility(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, verbose_name=_("contact"))
    job_responsibility = models.ForeignKey(
        JobResponsibility, on_delete=models.PROTECT, verbose_name=_("job responsibility")
    )

    class Meta:
        verbose_name = _("contact job responsibility")
        verbose_name_plural = _("contact job responsibilities")
        constraints = [
            models.UniqueConstraint(
                fields=["job_responsibility", "contact"], name="contact_job_responsibility_once"
            )
        ]

    def __str__(self):
        return f"{self.contact_id}: {self.job_responsibility_id}"


class ContactMailingGroup(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, verbose_name=_("contact"))
    mailing_group = models.ForeignKey(
        MailingGroup, on_delete=models.PROTECT, verbose_name=_("mailing group")
    )

    class Meta:
        verbose_name = _("contact mailing group")
        verbose_name_plural = _("contact mailing groups")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing_group", "contact"], name="contact_mailing_group_once"
            )
        ]

    def __str__(self):
        return f"{self.contact_id}: {self.mailing_group_id}"


class ContactBusinessRelation(models.Model):
    """NAV's contact business relation; ``CUST`` links a company to its customer."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, verbose_name=_("contact"))
    business_relation = models.ForeignKey(
        BusinessRelation, on_delete=models.PROTECT, verbose_name=_("business relation")
    )

    class Meta:
        verbose_name = _("contact business relation")
        verbose_name_plural = _("contact business relations")
        constraints = [
            models.UniqueConstraint(
                fields=["business_relation", "contact"], name="contact_business_relation_once"
            )
        ]

    def __str__(self):
        return f"{self.contact_id}: {self.business_relation_id}"


class Customer(SearchTextMixin, CardUrlMixin, NumberedModel):
    """A customer, linked to exactly one company contact through business relation CUST."""

    number_series = "CUSTOMER"

    name = models.CharField(_("name"), max_length=100)
    price_group = models.ForeignKey(
        CustomerPriceGroup,
        verbose_name=_("customer price group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    discount_group = models.ForeignKey(
        CustomerDiscountGroup,
        verbose_name=_("customer discount group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    blocked = models.BooleanField(_("blocked"), default=False)
    contact = models.OneToOneField(
        Contact,
        verbose_name=_("company contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer",
        limit_choices_to={"type": ContactType.COMPANY},
    )

    # The list search looks inside No. and name (core.search), like the contact's.
    search_text = SearchTextField(_("search text"), sources=("no", "name"))

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["no"]
        indexes = [
            models.Index(fields=["name"], name="customer_name_idx"),
            # A search of one or two characters is a prefix range on it (the customer
            # list, the search box in the top bar: core.filters.prefix_condition).
            models.Index(Upper("name"), name="customer_name_upper_idx"),
        ]

    def __str__(self):
        return f"{self.no} {self.name}"


class ImportColumnMapping(models.Model):
    """What a file's column header was mapped to in a contact import, offered again for
    the next file with that header (docs/contacts.md, Import)."""

    header = models.CharField(_("column header"), max_length=100, unique=True)
    column = models.CharField(_("import column"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")
        ordering = ["header"]

    def __str__(self):
        return f"{self.header} → {self.column or '-'}"
