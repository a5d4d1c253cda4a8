from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts import services
from contacts.filters import ContactFilter, CustomerFilter
from contacts.forms import ContactForm, CreateCustomerForm, CustomerForm
from contacts.models import Contact, ContactType, Customer
from contacts.tables import ContactTable, CustomerTable
from core import generic_views as generic

PERSONS_SHOWN = 50


class ContactList(generic.RecordListView):
    model = Contact
    queryset = Contact.objects.select_related("company", "salesperson")
    table_class = ContactTable
    filterset_class = ContactFilter
    empty_text = gettext_lazy(
        "No contacts yet. Create companies and persons, or import a CSV file."
    )


class ContactCard(generic.RecordCardView):
    model = Contact
    queryset = Contact.objects.select_related("company", "salesperson", "customer")
    template_name = "contacts/contact_card.html"
    sections = [
        (gettext_lazy("General"), ["no", "type", "name", "company", "job_title", "salesperson"]),
        (
            gettext_lazy("Communication"),
            ["address", "post_code", "city", "country_code", "phone", "mobile", "email"],
        ),
        (
            gettext_lazy("Segmentation"),
            ["language", "correspondence_type", "exclude_from_segments"],
        ),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self.object
        context["codes"] = [
            (gettext_lazy("Industry groups"), contact.industry_groups.all()),
            (gettext_lazy("Business relations"), contact.business_relations.all()),
            (gettext_lazy("Job responsibilities"), contact.job_responsibilities.all()),
            (gettext_lazy("Mailing groups"), contact.mailing_groups.all()),
        ]
        if contact.is_company:
            persons = list(contact.persons.order_by("name")[: PERSONS_SHOWN + 1])
            context["persons"] = persons[:PERSONS_SHOWN]
            context["more_persons"] = len(persons) > PERSONS_SHOWN
        context["customer"] = getattr(contact, "customer", None)
        context["can_create_customer"] = (
            contact.is_company
            and context["customer"] is None
            and self.request.user.has_perm("contacts.add_customer")
        )
        return context


class ContactSaveMixin:
    def save_form(self, form):
        contact = services.save_contact(contact=form.save(commit=False), user=self.request.user)
        form.save_m2m()
        return contact


class ContactCreate(ContactSaveMixin, generic.RecordCreateView):
    model = Contact
    form_class = ContactForm

    def get_initial(self):
        initial = super().get_initial()
        company_no = self.request.GET.get("company")
        if company_no:
            initial.update({"type": ContactType.PERSON, "company_no": company_no})
        return initial


class ContactEdit(ContactSaveMixin, generic.RecordUpdateView):
    model = Contact
    form_class = ContactForm


class ContactDelete(generic.RecordDeleteView):
    model = Contact


class CreateCustomer(generic.ConfirmActionView):
    """*Create as customer* on a company contact."""

    model = Contact
    permission_required = "contacts.add_customer"
    action_label = gettext_lazy("Create as customer")
    form_class = CreateCustomerForm

    def question(self):
        return _("Create customer %(name)s from company contact %(no)s?") % {
            "name": self.object.name,
            "no": self.object.no,
        }

    def perform(self, form):
        customer = services.create_customer_from_contact(
            contact=self.object,
            user=self.request.user,
            price_group=form.cleaned_data["price_group"],
            discount_group=form.cleaned_data["discount_group"],
        )
        self.customer = customer
        return _("Customer %(no)s created from contact %(contact)s.") % {
            "no": customer.no,
            "contact": self.object.no,
        }

    def get_success_url(self):
        customer = getattr(self, "customer", None)
        return customer.get_absolute_url() if customer else self.object.get_absolute_url()


class CustomerList(generic.RecordListView):
    model = Customer
    queryset = Customer.objects.select_related(
        "contact", "price_group", "discount_group", "salesperson"
    )
    table_class = CustomerTable
    filterset_class = CustomerFilter
    empty_text = gettext_lazy(
        "No customers yet. Open a company contact and choose Create as customer."
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.pop("create_url", None)  # customers are created from a company contact
        return context


class CustomerCard(generic.RecordCardView):
    model = Customer
    queryset = Customer.objects.select_related(
        "contact", "price_group", "discount_group", "salesperson"
    )
    sections = [
        (gettext_lazy("General"), ["no", "name", "contact", "salesperson", "blocked"]),
        (gettext_lazy("Pricing"), ["price_group", "discount_group"]),
    ]


class CustomerEdit(generic.RecordUpdateView):
    model = Customer
    form_class = CustomerForm


class CustomerDelete(generic.RecordDeleteView):
    model = Customer

    def perform_delete(self):
        services.delete_customer(customer=self.object, user=self.request.user)
