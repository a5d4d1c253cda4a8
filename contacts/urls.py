from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from contacts import views
from contacts.models import (
    BusinessRelation,
    Contact,
    Customer,
    CustomerDiscountGroup,
    CustomerPriceGroup,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from core.code_tables import code_table_urls
from core.urls_helpers import record_urls

app_name = "contacts"

CODE_TABLES = [
    ("industry-groups", IndustryGroup, _("No industry groups yet (e.g. RETAIL, WHOLESALE).")),
    (
        "job-responsibilities",
        JobResponsibility,
        _("No job responsibilities yet (e.g. PURCHASE, SALES)."),
    ),
    ("mailing-groups", MailingGroup, _("No mailing groups yet (e.g. NEWSLETTER).")),
    ("business-relations", BusinessRelation, _("No business relations yet (e.g. CUST, PROS).")),
    ("customer-price-groups", CustomerPriceGroup, _("No customer price groups yet.")),
    ("customer-discount-groups", CustomerDiscountGroup, _("No customer discount groups yet.")),
]

urlpatterns = [
    path(
        "contacts/",
        include(
            [
                # Before the card's <key>/ so that "import" is not taken for a No.
                path("import/", views.ContactImport.as_view(), name="contact_import"),
                *record_urls(
                    Contact,
                    list=views.ContactList,
                    card=views.ContactCard,
                    create=views.ContactCreate,
                    edit=views.ContactEdit,
                    delete=views.ContactDelete,
                ),
                path(
                    "<str:key>/create-customer/",
                    views.CreateCustomer.as_view(),
                    name="contact_create_customer",
                ),
            ]
        ),
    ),
    path(
        "customers/",
        include(
            record_urls(
                Customer,
                list=views.CustomerList,
                card=views.CustomerCard,
                edit=views.CustomerEdit,
                delete=views.CustomerDelete,
            )
        ),
    ),
    *[
        path(f"setup/{prefix}/", include(code_table_urls(model, empty_text=empty)))
        for prefix, model, empty in CODE_TABLES
    ],
]
