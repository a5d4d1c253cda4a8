from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from contacts import importing, services
from contacts.filters import ContactFilter, CustomerFilter
from contacts.forms import (
    ConfirmContactImportForm,
    ContactForm,
    ContactImportForm,
    CreateCustomerForm,
    CustomerForm,
)
from contacts.models import Contact, ContactType, Customer
from contacts.tables import ContactTable, CustomerTable
from core import generic_views as generic
from core.jobs import visible_jobs
from core.models import Job

PERSONS_SHOWN = 50


class ContactList(generic.RecordListView):
    model = Contact
    queryset = Contact.objects.select_related("company", "salesperson")
    table_class = ContactTable
    filterset_class = ContactFilter
    empty_text = gettext_lazy(
        "No contacts yet. Create companies and persons, or import a CSV file."
    )


class ContactImport(generic.ModelPermissionMixin, generic.PageMixin, TemplateView):
    """Import contacts from a CSV file in two steps.

    1. Upload: the file is checked and kept under a random token; the page shows
       the number of rows, the first rows and every error. Nothing is written.
    2. Confirm (posts the token): the file is imported, all rows or none.
    """

    model = Contact
    permission_required = "contacts.add_contact"
    template_name = "contacts/contact_import.html"
    title = gettext_lazy("Import contacts")
    # Tokens of the files this session checked: only those may be imported.
    session_key = "contact_import_tokens"

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("upload_form", ContactImportForm())
        context = super().get_context_data(**kwargs)
        context["columns"] = importing.COLUMNS
        context["code_separator"] = importing.CODE_SEPARATOR
        context["queue_threshold"] = importing.QUEUE_THRESHOLD
        job_id = self.request.GET.get("job", "")
        if job_id.isdigit():
            context["job"] = (
                visible_jobs(self.request.user)
                .filter(pk=int(job_id), kind=Job.Kind.CONTACT_IMPORT)
                .first()
            )
        return context

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm()
        return self.upload()

    def upload(self):
        form = ContactImportForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(upload_form=form))
        data = form.cleaned_data["file"].read()
        try:
            check = importing.check_contacts_csv(data=data)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_to_response(self.get_context_data(upload_form=form))
        context = {"check": check}
        if check.ok:
            token = importing.save_upload(data)
            tokens = self.request.session.get(self.session_key, [])
            self.request.session[self.session_key] = [*tokens[-9:], token]
            context["confirm_form"] = ConfirmContactImportForm(initial={"token": token})
        return self.render_to_response(self.get_context_data(**context))

    def confirm(self):
        request = self.request
        form = ConfirmContactImportForm(request.POST)
        token = form.cleaned_data["token"] if form.is_valid() else None
        tokens = request.session.get(self.session_key, [])
        data = importing.load_upload(token) if token in tokens else None
        if data is None:
            messages.error(request, _("The checked file is no longer available; upload it again."))
            return redirect("contacts:contact_import")
        importing.discard_upload(token)
        request.session[self.session_key] = [t for t in tokens if t != token]
        try:
            started = importing.start_contact_import(data=data, user=request.user)
        except importing.ContactImportError:
            # The contacts changed since the check (a No. was taken meanwhile): show why.
            check = importing.check_contacts_csv(data=data)
            return self.render_to_response(self.get_context_data(check=check))
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return redirect("contacts:contact_import")
        if started.job is not None:
            messages.info(
                request,
                _("The file has %(rows)d rows: it is imported in the background.")
                % {"rows": started.rows},
            )
            return redirect(f"{reverse('contacts:contact_import')}?job={started.job.pk}")
        result = started.result
        messages.success(
            request,
            ngettext(
                "%(count)d contact imported (companies: %(companies)d, persons: %(persons)d, "
                "classification codes: %(codes)d).",
                "%(count)d contacts imported (companies: %(companies)d, persons: %(persons)d, "
                "classification codes: %(codes)d).",
                result.contacts,
            )
            % {
                "count": result.contacts,
                "companies": result.companies,
                "persons": result.persons,
                "codes": result.code_assignments,
            },
        )
        return redirect("contacts:contact_list")


class ContactCard(generic.RecordCardView):
    model = Contact
    queryset = Contact.objects.select_related("company", "salesperson", "customer")
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
        m2m = {name: form.cleaned_data[name] for name in self.m2m_fields(form)}
        return services.save_contact(
            contact=form.save(commit=False), m2m=m2m, **self.save_kwargs(form)
        )


class ContactCreate(ContactSaveMixin, generic.RecordCreateView):
    model = Contact
    form_class = ContactForm

    query_aliases = {"company": "company_no"}  # New person from a company's card

    def get_initial(self):
        initial = super().get_initial()
        if initial.get("company_no"):
            initial["type"] = ContactType.PERSON
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
