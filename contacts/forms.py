from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from contacts.importing import UPLOAD_TOKEN_RE, column_labels
from contacts.models import CONTACT_FIELDS, Contact, ContactType, Customer
from core.forms import KeysMultipleChoiceField, NumberedFormMixin
from salespeople.models import Salesperson


class ContactForm(NumberedFormMixin, forms.ModelForm):
    # A text field, not a select: there may be a million companies.
    company_no = forms.CharField(
        label=capfirst(_("company No.")),
        required=False,
        max_length=20,
        help_text=_("For a person: the No. of the company contact it works for."),
    )

    class Meta:
        model = Contact
        fields = [
            *CONTACT_FIELDS,
            "external_id",
            "industry_groups",
            "business_relations",
            "job_responsibilities",
            "mailing_groups",
        ]
        widgets = {
            "industry_groups": forms.CheckboxSelectMultiple,
            "business_relations": forms.CheckboxSelectMultiple,
            "job_responsibilities": forms.CheckboxSelectMultiple,
            "mailing_groups": forms.CheckboxSelectMultiple,
        }
        field_classes = dict.fromkeys(
            ["industry_groups", "business_relations", "job_responsibilities", "mailing_groups"],
            KeysMultipleChoiceField,
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.company_id:
            self.initial["company_no"] = self.instance.company.no
        self.fields["salesperson"].queryset = Salesperson.objects.selectable(
            self.instance.salesperson_id
        )
        self.fields["industry_groups"].help_text = _("Companies only.")
        self.fields["business_relations"].help_text = _("Companies only.")
        self.fields["job_responsibilities"].help_text = _("Persons only.")

    def clean_company_no(self):
        number = (self.cleaned_data.get("company_no") or "").strip().upper()
        if not number:
            return None
        company = Contact.objects.filter(no=number).first()
        if company is None:
            raise ValidationError(_("Contact %(no)s does not exist."), params={"no": number})
        if company.type != ContactType.COMPANY:
            raise ValidationError(_("Contact %(no)s is not a company."), params={"no": number})
        if self.instance.pk and company.pk == self.instance.pk:
            raise ValidationError(_("A contact cannot be its own company."))
        return company

    def clean(self):
        # The codes that apply to the type, and a company with persons staying a company,
        # are the service's rules (contacts.services.save_contact).
        cleaned = super().clean()
        if cleaned.get("type") == ContactType.COMPANY and cleaned.get("company_no"):
            self.add_error("company_no", _("Only a person can belong to a company."))
        return cleaned

    def save(self, commit=True):
        self.instance.company = self.cleaned_data.get("company_no")
        return super().save(commit=commit)


class CustomerForm(NumberedFormMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["no", "name", "price_group", "discount_group", "salesperson", "blocked"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = Salesperson.objects.selectable(
            self.instance.salesperson_id
        )


class CreateCustomerForm(forms.Form):
    """Options of *Create as customer*."""

    price_group = forms.ModelChoiceField(
        label=capfirst(_("customer price group")), queryset=None, required=False
    )
    discount_group = forms.ModelChoiceField(
        label=capfirst(_("customer discount group")), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        from contacts.models import CustomerDiscountGroup, CustomerPriceGroup

        super().__init__(*args, **kwargs)
        self.fields["price_group"].queryset = CustomerPriceGroup.objects.all()
        self.fields["discount_group"].queryset = CustomerDiscountGroup.objects.all()


class ContactImportForm(forms.Form):
    """Step 1 of the import: the file to check."""

    MAX_SIZE = 20 * 1024 * 1024

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An Excel workbook (.xlsx, its first sheet) or a CSV file (UTF-8, comma or "
            "semicolon separated), with a header row; at most 20 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise ValidationError(
                _("The file is %(size)s MB; at most %(max)s MB can be imported at once."),
                params={"size": round(upload.size / 1024 / 1024, 1), "max": 20},
            )
        return upload


class ConfirmContactImportForm(forms.Form):
    """Step 2 of the import: the token of the checked file, what each of its columns
    is imported as (``column_0`` …; not posted: as recognised from the header), and
    what to do: check again, import every row, or import the good rows."""

    CHECK, IMPORT, IMPORT_GOOD = "check", "import", "import_good"

    token = forms.CharField(widget=forms.HiddenInput, max_length=32, min_length=32)
    action = forms.ChoiceField(
        choices=[(CHECK, CHECK), (IMPORT, IMPORT), (IMPORT_GOOD, IMPORT_GOOD)],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, header=(), mapping=(), samples=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not imported)")), *column_labels()]
        self.header = list(header)
        for index, title in enumerate(self.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=title or _("(no header)"),
                choices=choices,
                required=False,
                initial=mapping[index] if index < len(mapping) else "",
                help_text=samples[index] if index < len(samples) else "",
            )

    def mapping_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.header))]

    def posted_mapping(self) -> list[str] | None:
        """The mapping posted, or None when the form posted none (import as recognised)."""
        if not any(f"column_{index}" in self.data for index in range(len(self.header))):
            return None
        return [self.cleaned_data.get(f"column_{index}", "") for index in range(len(self.header))]

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not UPLOAD_TOKEN_RE.fullmatch(token):
            raise ValidationError(_("The import link is not valid; upload the file again."))
        return token
