"""The language versions of an interaction template on its card and their pages
(docs/campaigns.md, Merge fields)."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from campaigns.admin import InteractionTemplateAdmin
from campaigns.models import InteractionTemplate, InteractionTemplateLanguage
from tests.factories import InteractionTemplateFactory, InteractionTemplateLanguageFactory

pytestmark = pytest.mark.django_db

VERSION_INPUT = re.compile(r'name="_version" value="([0-9a-f]+)"')


@pytest.fixture
def template(db):
    return InteractionTemplateFactory(
        code="MAIL",
        languages={"en": ("Offer for {{ company.name }}", "Dear {{ contact.name }},")},
    )


def url(name, template, language=None):
    kwargs = {"key": template.code}
    if language:
        kwargs["language"] = language
    return reverse(f"campaigns:interactiontemplatelanguage_{name}", kwargs=kwargs)


def version_data(**changes):
    data = {
        "language": "nl",
        "subject": "Aanbod voor {{ company.name }}",
        "body_text": "Beste {{ contact.name }},\n\nGroet,\n{{ salesperson.name }}",
        "body_html": "",
    }
    return {**data, **changes}


def test_the_card_shows_the_language_versions_with_their_buttons(manager_client, template):
    InteractionTemplateLanguageFactory(
        template=template, language="nl", subject="Aanbod", body_text="Beste"
    )
    page = manager_client.get(template.get_absolute_url()).content.decode()
    assert "Offer for {{ company.name }}" in page
    assert "Aanbod" in page
    assert url("create", template) in page
    assert url("edit", template, "nl") in page
    assert url("delete", template, "en") in page
    assert "Default" in page  # English is the default language


def test_a_read_only_user_sees_the_versions_but_no_buttons(viewer_client, template):
    page = viewer_client.get(template.get_absolute_url()).content.decode()
    assert "Offer for {{ company.name }}" in page
    assert url("create", template) not in page
    for target in (url("create", template), url("edit", template, "en")):
        assert viewer_client.get(target).status_code == 403
        assert viewer_client.post(target, version_data()).status_code == 403
    assert viewer_client.post(url("delete", template, "en")).status_code == 403
    assert template.languages.count() == 1


def test_add_a_language_version(manager_client, template):
    page = manager_client.get(url("create", template)).content.decode()
    assert "{{ salesperson.name }}" in page  # the merge field help
    response = manager_client.post(url("create", template), version_data(), follow=True)
    assert response.redirect_chain[-1][0] == template.get_absolute_url() + "#languages"
    version = template.languages.get(language="nl")
    assert version.subject == "Aanbod voor {{ company.name }}"
    assert "Dutch version of interaction template MAIL saved." in response.content.decode()
    assert version.history.count() == 1


def test_a_second_version_of_a_language_is_a_field_error(manager_client, template):
    response = manager_client.post(url("create", template), version_data(language="en"))
    assert response.status_code == 200
    assert "English version already" in response.context["form"].errors["language"][0]
    assert template.languages.count() == 1


def test_a_broken_text_is_a_form_error_never_saved(manager_client, template):
    response = manager_client.post(
        url("create", template),
        version_data(
            subject="Hi {{ contact.nmae }}",
            body_text="{% load i18n %}\n{% include 'base.html' %}",
            body_html="<p>{{ contact.delete }}</p>",
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["subject"] == ["Line 1: “contact.nmae” is not a merge field."]
    assert errors["body_text"] == [
        "Line 1: the tag “{% load %}” is not allowed here.",
        "Line 2: the tag “{% include %}” is not allowed here.",
    ]
    assert "contact.delete" in errors["body_html"][0]
    assert not template.languages.filter(language="nl").exists()


def test_edit_a_language_version_with_its_version(manager_client, template):
    page = manager_client.get(url("edit", template, "en")).content.decode()
    version = VERSION_INPUT.search(page).group(1)
    data = version_data(language="en", subject="New offer", _version=version)
    response = manager_client.post(url("edit", template, "en"), data)
    assert response.status_code == 302
    assert template.languages.get().subject == "New offer"
    # The same form again, loaded before that change: refused as stale.
    stale = manager_client.post(url("edit", template, "en"), {**data, "subject": "Other offer"})
    assert stale.status_code == 200
    assert stale.context["conflict"] is not None
    assert template.languages.get().subject == "New offer"


def test_delete_a_language_version(manager_client, template):
    page = manager_client.get(url("delete", template, "en")).content.decode()
    assert "English" in page
    response = manager_client.post(url("delete", template, "en"), follow=True)
    assert response.redirect_chain[-1][0] == template.get_absolute_url() + "#languages"
    assert not template.languages.exists()
    assert InteractionTemplate.objects.filter(pk=template.pk).exists()


def test_pages_of_a_missing_language_or_template_are_404(manager_client, template):
    assert manager_client.get(url("edit", template, "nl")).status_code == 404
    missing = InteractionTemplate(code="NOPE")
    assert manager_client.get(url("create", missing)).status_code == 404


def test_deleting_a_template_names_and_deletes_its_versions(manager_client, template):
    page = manager_client.get(template.get_url("delete")).content.decode()
    assert "Language versions: English" in page
    manager_client.post(template.get_url("delete"))
    assert not InteractionTemplateLanguage.objects.exists()


def test_the_admin_edits_the_versions_inline_through_the_services(admin_client, template):
    assert isinstance(admin.site._registry[InteractionTemplate], InteractionTemplateAdmin)
    change = reverse("admin:campaigns_interactiontemplate_change", args=[template.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    form = page.context["adminform"].form
    version = template.languages.get()
    data = {
        name: form.initial.get(name, "")
        for name in form.fields
        if form.initial.get(name) is not None
    }
    data.update(
        {
            "code": template.code,
            "description": template.description,
            "unit_cost": "0",
            "unit_duration": "0",
            "default_language": "en",
            "languages-TOTAL_FORMS": "2",
            "languages-INITIAL_FORMS": "1",
            "languages-0-id": str(version.pk),
            "languages-0-template": str(template.pk),
            "languages-0-language": "en",
            "languages-0-subject": "Changed {{ contact.name }}",
            "languages-0-body_text": "",
            "languages-0-body_html": "",
            "languages-1-template": str(template.pk),
            "languages-1-language": "nl",
            "languages-1-subject": "{{ contact.bogus }}",
            "languages-1-body_text": "",
            "languages-1-body_html": "",
        }
    )
    refused = admin_client.post(change, data)
    assert refused.status_code == 200  # the inline's error, shown on the form
    assert "is not a merge field" in refused.content.decode()
    data["languages-1-subject"] = "Hallo {{ contact.name }}"
    assert admin_client.post(change, data).status_code == 302
    assert dict(template.languages.values_list("language", "subject")) == {
        "en": "Changed {{ contact.name }}",
        "nl": "Hallo {{ contact.name }}",
    }
