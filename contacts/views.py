from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from contacts import bulk_actions as contact_bulk
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
    bulk_actions = contact_bulk.contact_actions(Contact)


class ContactImport(generic.ModelPermissionMixin, generic.PageMixin, TemplateView):
    """Import contacts from an Excel workbook or a CSV file (docs/contacts.md, Import).

    1. Upload: the file is kept under a random token; its columns are recognised
       from the header and the rows checked. The page shows what each column is
       imported as (the user may change it and check again), the number of rows, the
       first rows and every error. Nothing is written.
    2. Confirm (posts the token and the columns): every row is imported, or none; or,
       when some rows have errors, *Import the good rows* imports the others.
    """

    model = Contact
    permission_required = "contacts.add_contact"
    template_name = "contacts/contact_import.html"
    title = gettext_lazy("Import contacts")
    # Tokens of the files this session uploaded: only those may be imported.
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
            table = importing.read_table(data)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_to_response(self.get_context_data(upload_form=form))
        token = importing.save_upload(data)
        tokens = self.request.session.get(self.session_key, [])
        self.request.session[self.session_key] = [*tokens[-9:], token]
        return self.show_check(token, table, importing.auto_mapping(table.header))

    def show_check(self, token, table, mapping, mapping_error=None):
        """The check of ``table`` under ``mapping``, with the form that changes the
        mapping or imports."""
        check = good = None
        if mapping_error is None:
            try:
                rows = importing.contact_file(table, mapping)
            except ValidationError as error:
                mapping_error = error
            else:
                check = importing.check_contact_file(rows)
                if check.errors:
                    good = len(importing.good_rows(rows)[0].rows)
        confirm_form = ConfirmContactImportForm(
            initial={"token": token},
            header=table.header,
            mapping=mapping,
            samples=importing.samples(table),
        )
        return self.render_to_response(
            self.get_context_data(
                check=check,
                good_rows=good,
                confirm_form=confirm_form,
                mapping_errors=mapping_error.messages if mapping_error else [],
                file_rows=len(table.rows),
            )
        )

    def confirm(self):
        request = self.request
        token = request.POST.get("token", "")
        tokens = request.session.get(self.session_key, [])
        data = importing.load_upload(token) if token in tokens else None
        table = None
        if data is not None:
            try:
                table = importing.read_table(data)
            except ValidationError:
                table = None
        if table is None:
            messages.error(request, _("The checked file is no longer available; upload it again."))
            return redirect("contacts:contact_import")
        form = ConfirmContactImportForm(request.POST, header=table.header)
        if not form.is_valid():
            messages.error(request, _("The import form was not complete; check the file again."))
            return self.show_check(token, table, importing.auto_mapping(table.header))
        mapping = form.posted_mapping() or importing.auto_mapping(table.header)
        action = form.cleaned_data["action"] or form.IMPORT
        try:
            rows = importing.contact_file(table, mapping)
        except ValidationError as error:
            return self.show_check(token, table, mapping, mapping_error=error)
        if action == form.CHECK:
            return self.show_check(token, table, mapping)
        left_out = []
        if action == form.IMPORT_GOOD:
            rows, left_out = importing.good_rows(rows)
            if not rows.rows:
                messages.error(request, _("No row of the file can be imported."))
                return self.show_check(token, table, mapping)
        try:
            started = importing.start_contact_import(
                data=importing.import_csv(rows), user=request.user
            )
        except importing.ContactImportError:
            # The contacts changed since the check (a No. was taken meanwhile): show why.
            return self.show_check(token, table, mapping)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return redirect("contacts:contact_import")
        importing.remember(table.header, mapping)
        importing.discard_upload(token)
        request.session[self.session_key] = [t for t in tokens if t != token]
        if left_out:
            rows_left_out = len({error.row for error in left_out})
            messages.warning(
                request,
                ngettext(
                    "%(n)d row with errors was left out.",
                    "%(n)d rows with errors were left out.",
                    rows_left_out,
                )
                % {"n": rows_left_out},
            )
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
        (
            gettext_lazy("General"),
            ["no", "type", "name", "company", "job_title", "salesperson", "external_id"],
        ),
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

    def perform_delete(self):
        services.delete_contact(contact=self.object, user=self.request.user)


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
    bulk_actions = contact_bulk.customer_actions(Customer)

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
