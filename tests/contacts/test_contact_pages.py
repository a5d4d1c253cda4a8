import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import (
    CUSTOMER_RELATION,
    Contact,
    ContactBusinessRelation,
    ContactType,
    Customer,
)
from contacts.services import create_customer_from_contact
from tests.contacts import csv_bytes
from tests.factories import (
    BusinessRelationFactory,
    CompanyFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    PersonFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("contacts:contact_list")
IMPORT_URL = reverse("contacts:contact_import")


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.CONTACT_IMPORT_DIR = tmp_path / "imports"


def page(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- list


def test_contact_list_searches_name_no_email_and_city(manager_client):
    CompanyFactory(no="CT100", name="Fabrikam", city="Leeds", email="info@fabrikam.example")
    CompanyFactory(no="CT200", name="Contoso", city="York", email="hello@contoso.example")
    for query in ["fabri", "CT100", "info@fab", "leeds"]:
        content = page(manager_client.get(LIST_URL, {"q": query}))
        assert "Fabrikam" in content, query
        assert "Contoso" not in content, query


def test_contact_list_filters_by_type_salesperson_and_codes(manager_client):
    salesperson = SalespersonFactory(code="JD")
    retail = IndustryGroupFactory(code="RETAIL")
    prospect = BusinessRelationFactory(code="PROS")
    newsletter = MailingGroupFactory(code="NEWSLETTER")
    company = CompanyFactory(
        name="Matching company",
        salesperson=salesperson,
        industry_groups=[retail],
        business_relations=[prospect],
    )
    PersonFactory(name="Matching person", company=company, mailing_groups=[newsletter])
    CompanyFactory(name="Other company")
    cases = [
        ({"type": ContactType.PERSON}, "Matching person"),
        ({"salesperson": salesperson.pk}, "Matching company"),
        ({"industry_group": retail.pk}, "Matching company"),
        ({"business_relation": prospect.pk}, "Matching company"),
        ({"mailing_group": newsletter.pk}, "Matching person"),
    ]
    for params, expected in cases:
        content = page(manager_client.get(LIST_URL, params))
        assert expected in content, params
        assert "Other company" not in content, params


def test_contact_list_runs_the_same_queries_for_5_and_50_contacts(
    manager_client, django_assert_num_queries
):
    salesperson = SalespersonFactory()
    companies = [CompanyFactory(salesperson=salesperson) for _ in range(3)]
    PersonFactory.create_batch(2, company=companies[0])
    with CaptureQueriesContext(connection) as five:
        assert manager_client.get(LIST_URL).status_code == 200
    for index in range(45):
        PersonFactory(company=companies[index % 3], salesperson=salesperson)
    assert Contact.objects.count() == 50
    with django_assert_num_queries(len(five)):
        assert manager_client.get(LIST_URL).status_code == 200


def test_contact_list_shows_import_only_to_users_who_may_add(client, manager, viewer):
    client.force_login(manager)
    assert IMPORT_URL in page(client.get(LIST_URL))
    client.force_login(viewer)
    assert IMPORT_URL not in page(client.get(LIST_URL))


def test_contact_list_exports_the_filtered_rows_as_csv(manager_client):
    CompanyFactory(name="Fabrikam")
    CompanyFactory(name="Contoso")
    response = manager_client.get(LIST_URL, {"q": "fabri", "_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.getvalue().decode()  # streamed
    assert "Fabrikam" in body
    assert "Contoso" not in body


# --------------------------------------------------------------------------- card


def card_queries(client, contact) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(contact.get_absolute_url()).status_code == 200
    return len(queries)


def test_contact_card_shows_persons_and_codes_in_a_fixed_number_of_queries(manager_client):
    retail = IndustryGroupFactory(code="RETAIL")
    prospect = BusinessRelationFactory(code="PROS")
    newsletter = MailingGroupFactory(code="NEWSLETTER")
    company = CompanyFactory(
        name="Fabrikam",
        industry_groups=[retail],
        business_relations=[prospect],
        mailing_groups=[newsletter],
    )
    PersonFactory(company=company, name="Anna Smith")
    PersonFactory(company=company, name="Bram Jansen")
    few = card_queries(manager_client, company)

    content = page(manager_client.get(company.get_absolute_url()))
    for text in ["Anna Smith", "Bram Jansen", "RETAIL", "PROS", "NEWSLETTER"]:
        assert text in content

    PersonFactory.create_batch(20, company=company)
    IndustryGroupFactory(code="WHOLESALE").contacts.add(company)
    assert card_queries(manager_client, company) == few


def test_person_card_shows_its_job_responsibilities(manager_client):
    person = PersonFactory(job_responsibilities=[JobResponsibilityFactory(code="PURCHASE")])
    content = page(manager_client.get(person.get_absolute_url()))
    assert "PURCHASE" in content
    assert person.company.no in content


# --------------------------------------------------------------------------- forms


def contact_data(**values) -> dict:
    return {"type": ContactType.COMPANY, "name": "New contact", "language": "en", **values}


def test_create_a_person_for_a_company_by_its_no(manager_client):
    company = CompanyFactory(name="Fabrikam", city="Leeds")
    response = manager_client.post(
        reverse("contacts:contact_create"),
        contact_data(type=ContactType.PERSON, name="Anna Smith", company_no=company.no.lower()),
    )
    person = Contact.objects.get(name="Anna Smith")
    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    assert person.company == company
    assert person.city == "Leeds"  # taken from the company


@pytest.mark.parametrize(
    ("company_no", "message"),
    [("PERSON1", "is not a company"), ("NOPE", "does not exist")],
)
def test_company_no_must_be_an_existing_company(manager_client, company_no, message):
    PersonFactory(no="PERSON1")
    response = manager_client.post(
        reverse("contacts:contact_create"),
        contact_data(type=ContactType.PERSON, name="Anna Smith", company_no=company_no),
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["company_no"])
    assert not Contact.objects.filter(name="Anna Smith").exists()


def test_an_industry_group_on_a_person_is_a_field_error(manager_client):
    retail = IndustryGroupFactory(code="RETAIL")
    response = manager_client.post(
        reverse("contacts:contact_create"),
        contact_data(type=ContactType.PERSON, name="Anna Smith", industry_groups=[retail.pk]),
    )
    assert response.status_code == 200
    assert "industry_groups" in response.context["form"].errors
    assert not Contact.objects.filter(name="Anna Smith").exists()


# --------------------------------------------------------------------------- customers


def test_create_as_customer_links_the_company_through_cust(manager_client):
    company = CompanyFactory(name="Fabrikam")
    url = reverse("contacts:contact_create_customer", kwargs={"key": company.no})
    assert "Create customer Fabrikam" in page(manager_client.get(url))

    response = manager_client.post(url, follow=True)

    customer = Customer.objects.get()
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert customer.contact == company
    assert customer.name == "Fabrikam"
    assert company.business_relations.filter(code=CUSTOMER_RELATION).exists()
    assert "created from contact" in page(response)


def test_create_as_customer_refuses_a_person_and_a_second_time(manager_client):
    person = PersonFactory(name="Anna Smith")
    response = manager_client.post(
        reverse("contacts:contact_create_customer", kwargs={"key": person.no}), follow=True
    )
    assert "Only a company contact can become a customer" in page(response)
    assert not Customer.objects.exists()

    company = person.company
    create_customer_from_contact(contact=company)
    response = manager_client.post(
        reverse("contacts:contact_create_customer", kwargs={"key": company.no}), follow=True
    )
    assert "is already customer" in page(response)
    assert Customer.objects.count() == 1


def test_deleting_a_customer_removes_the_cust_relation(manager_client):
    company = CompanyFactory(business_relations=[BusinessRelationFactory(code="PROS")])
    customer = create_customer_from_contact(contact=company)
    response = manager_client.post(customer.get_url("delete"))
    assert response.status_code == 302
    assert not Customer.objects.exists()
    assert list(
        ContactBusinessRelation.objects.filter(contact=company).values_list(
            "business_relation__code", flat=True
        )
    ) == ["PROS"]


def test_read_only_user_cannot_create_edit_delete_or_make_customers(viewer_client):
    company = CompanyFactory()
    assert viewer_client.get(company.get_absolute_url()).status_code == 200
    urls = [
        reverse("contacts:contact_create"),
        company.get_url("edit"),
        company.get_url("delete"),
        reverse("contacts:contact_create_customer", kwargs={"key": company.no}),
        IMPORT_URL,
    ]
    for url in urls:
        assert viewer_client.get(url).status_code == 403, url
        assert viewer_client.post(url, contact_data()).status_code == 403, url
    assert Contact.objects.count() == 1
    assert not Customer.objects.exists()


# --------------------------------------------------------------------------- import


def upload(client, data: bytes, name="contacts.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_import_page_explains_the_columns(manager_client):
    content = page(manager_client.get(IMPORT_URL))
    assert "no,type,name,company_no" in content
    assert 'enctype="multipart/form-data"' in content


def test_upload_with_a_bad_row_shows_the_error_and_imports_the_good_rows_if_asked(
    manager_client, settings
):
    data = csv_bytes(
        [
            {"name": "Good company"},
            {"name": "Bad company", "salesperson": "NOBODY"},
        ]
    )
    response = upload(manager_client, data)
    content = page(response)
    assert response.status_code == 200
    assert "Salesperson NOBODY does not exist." in content
    assert re.search(r"<td>3</td><td><code>salesperson</code></td>", content)
    assert "1 row has errors. Correct the file and upload it again, or import only" in content
    assert 'value="import"' not in content  # not every row
    assert "Import the 1 good row and leave out the rows with errors" in content
    assert not Contact.objects.exists()
    token = manager_client.session["contact_import_tokens"][-1]
    # Every row or none: refused, the errors shown again.
    response = manager_client.post(IMPORT_URL, {"token": token, "action": "import"})
    assert "Salesperson NOBODY does not exist." in page(response)
    assert not Contact.objects.exists()
    # The good rows: the bad one is left out and said so.
    response = manager_client.post(
        IMPORT_URL, {"token": token, "action": "import_good"}, follow=True
    )
    assert "1 row with errors was left out." in page(response)
    assert "1 contact imported" in page(response)
    assert list(Contact.objects.values_list("name", flat=True)) == ["Good company"]
    assert not list(settings.CONTACT_IMPORT_DIR.glob("*"))  # the file is gone


def test_upload_good_file_then_confirm_imports_it(manager_client, manager, settings):
    data = csv_bytes(
        [
            {"no": "ACME", "name": "Acme Ltd."},
            {"type": "person", "name": "Anna Smith", "company_no": "ACME"},
            {"type": "person", "name": "Bram Jansen", "company_no": "ACME"},
        ]
    )
    response = upload(manager_client, data)
    content = page(response)
    assert "Import 3 contacts" in content
    assert "Anna Smith" in content  # preview
    assert not Contact.objects.exists()  # only checked
    token = re.search(r'name="token" value="([0-9a-f]{32})"', content).group(1)

    response = manager_client.post(IMPORT_URL, {"token": token}, follow=True)

    assert response.redirect_chain[-1][0] == LIST_URL
    assert "3 contacts imported (companies: 1, persons: 2" in page(response)
    assert Contact.objects.get(name="Anna Smith").company.no == "ACME"
    assert Contact.objects.get(no="ACME").history.get().history_user == manager
    assert not list(settings.CONTACT_IMPORT_DIR.glob("*"))  # the file is gone
    # The same token cannot import the file twice.
    response = manager_client.post(IMPORT_URL, {"token": token}, follow=True)
    assert "no longer available" in page(response)
    assert Contact.objects.count() == 3


@pytest.mark.parametrize(
    "token",
    ["../../etc/passwd", "0" * 31, "g" * 32, "A" * 32, "", "0" * 32],
)
def test_a_bad_or_unknown_token_is_refused_with_a_message(manager_client, token):
    response = manager_client.post(IMPORT_URL, {"token": token}, follow=True)
    assert response.status_code == 200
    assert "no longer available" in page(response)


def test_a_token_of_another_session_is_refused(manager_client, client, staff, settings):
    content = page(upload(manager_client, csv_bytes([{"name": "Acme"}])))
    token = re.search(r'name="token" value="([0-9a-f]{32})"', content).group(1)
    client.force_login(staff)
    response = client.post(IMPORT_URL, {"token": token}, follow=True)
    assert "no longer available" in page(response)
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name\nCafé\n".encode("latin-1"), "not UTF-8"),
        (b"name\n", "no contacts"),
        (b"", "The submitted file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    ],
)
def test_a_bad_file_gives_a_clear_message_not_a_server_error(manager_client, data, message):
    response = upload(manager_client, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["upload_form"].errors["file"])
    assert not Contact.objects.exists()


def test_import_when_a_no_was_taken_after_the_check_shows_the_error(manager_client):
    content = page(upload(manager_client, csv_bytes([{"no": "ACME", "name": "Acme"}])))
    token = re.search(r'name="token" value="([0-9a-f]{32})"', content).group(1)
    CompanyFactory(no="ACME", name="Someone else's Acme")
    response = manager_client.post(IMPORT_URL, {"token": token})
    assert response.status_code == 200
    assert "Contact No. ACME already exists." in page(response)
    assert Contact.objects.count() == 1
