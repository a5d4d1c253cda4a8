"""Rendering the texts of interaction templates: language versions, merge fields, the
sandboxed engine and the checks (docs/campaigns.md, Merge fields)."""

import datetime
import importlib

import pytest
from django.core.exceptions import ValidationError

from campaigns.legacy_placeholders import fit, to_merge_fields, to_placeholders
from campaigns.rendering import (
    MERGE_FIELDS,
    RenderedContent,
    check_template_text,
    merge_context,
    render_content,
)
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
    PersonFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": (
        "Offer for {{ company.name }}",
        "Dear {{ contact.name }},\nRegards, {{ salesperson.name }}",
    ),
    "nl": (
        "Aanbod voor {{ company.name }}",
        "Beste {{ contact.name }},\nGroet, {{ salesperson.name }}",
    ),
}


@pytest.fixture
def rep(db):
    return SalespersonFactory(code="RR", name="Rita Rep", email="rita@example.com", phone="123")


@pytest.fixture
def ann(rep):
    company = CompanyFactory(name="Contoso Ltd.", city="Utrecht", email="info@contoso.example")
    return PersonFactory(
        name="Ann", company=company, city="Delft", salesperson=rep, language="nl", email=""
    )


def context_of(contact, **kwargs):
    return merge_context(contact=contact, **kwargs)


# Language versions -------------------------------------------------------------------------


def test_each_language_gets_its_own_version(ann, rep):
    template = InteractionTemplateFactory(languages=TEXTS)
    context = context_of(ann, salesperson=rep)
    dutch = render_content(template, "nl", context)
    english = render_content(template, "en", context)
    assert dutch == RenderedContent(
        language="nl",
        subject="Aanbod voor Contoso Ltd.",
        text="Beste Ann,\nGroet, Rita Rep",
        html="",
    )
    assert (english.language, english.subject) == ("en", "Offer for Contoso Ltd.")
    assert english.text == "Dear Ann,\nRegards, Rita Rep"


def test_a_language_without_a_version_gets_the_default_language_then_any(ann):
    template = InteractionTemplateFactory(languages={"nl": TEXTS["nl"]}, default_language="en")
    # No English and no version of the default (English): the one there is.
    assert render_content(template, "en", context_of(ann)).language == "nl"
    template = InteractionTemplateFactory(languages=TEXTS, default_language="nl")
    assert render_content(template, "de", context_of(ann)).language == "nl"


def test_subject_and_body_always_come_from_the_same_version(ann):
    # English has no subject: the subject is not taken from the Dutch version, but
    # from the fallback subject (an interaction's own), merged.
    template = InteractionTemplateFactory(
        languages={"en": ("", "English body"), "nl": ("Nederlands onderwerp", "Nederlands")}
    )
    content = render_content(
        template, "en", context_of(ann), fallback_subject="Hello {{ contact.name }}"
    )
    assert (content.language, content.subject, content.text) == ("en", "Hello Ann", "English body")
    no_fallback = render_content(template, "en", context_of(ann))
    assert (no_fallback.subject, no_fallback.text) == ("", "English body")


def test_the_fallback_subject_takes_old_placeholders_and_is_kept_as_typed_when_broken(ann):
    template = InteractionTemplateFactory()
    content = render_content(template, "en", context_of(ann), fallback_subject="Hi {name}")
    assert content.subject == "Hi Ann"
    broken = render_content(template, "en", context_of(ann), fallback_subject="50% {% off")
    assert broken.subject == "50% {% off"


def test_a_template_without_versions_renders_blank(ann):
    assert render_content(InteractionTemplateFactory(), "en", context_of(ann)) == (
        RenderedContent(language="", subject="", text="", html="")
    )
    assert render_content(None, "en", context_of(ann)) == RenderedContent()


def test_the_subject_is_one_line(ann):
    template = InteractionTemplateFactory(
        languages={"en": ("{% if contact.name %}\nFor\n  {{ contact.name }}\n{% endif %}", "")}
    )
    assert render_content(template, "en", context_of(ann)).subject == "For Ann"


def test_a_doubled_full_stop_from_a_merged_value_becomes_one_and_an_ellipsis_stays(ann):
    body = (
        "We visit {{ company.name }}. Soon... or later.. See ../ and 1..5\nAt {{ company.name }}."
    )
    template = InteractionTemplateFactory(languages={"en": ("{{ company.name }}.", body)})
    content = render_content(template, "en", context_of(ann))
    assert content.subject == "Contoso Ltd."
    assert content.text == (
        "We visit Contoso Ltd. Soon... or later. See ../ and 1..5\nAt Contoso Ltd."
    )


def test_merged_values_are_escaped_in_the_html_body_but_not_in_the_text(ann):
    ann.name = "Ann <b>& Co</b>"
    version = InteractionTemplateLanguageFactory(
        subject="For {{ contact.name }}",
        body_text="Dear {{ contact.name }}",
        body_html="<p>Dear <strong>{{ contact.name }}</strong></p>",
    )
    content = render_content(version.template, "en", context_of(ann))
    assert content.subject == "For Ann <b>& Co</b>"
    assert content.text == "Dear Ann <b>& Co</b>"
    assert content.html == "<p>Dear <strong>Ann &lt;b&gt;&amp; Co&lt;/b&gt;</strong></p>"


def test_dates_are_formatted_in_the_language_of_the_version(ann):
    campaign = CampaignFactory(ending_date=datetime.date(2026, 10, 3))
    template = InteractionTemplateFactory(
        languages={
            "en": ("", "Until {{ campaign.ending_date|date:'j F Y' }}"),
            "nl": ("", "Tot {{ campaign.ending_date|date:'j F Y' }}"),
        }
    )
    context = context_of(ann, campaign=campaign)
    assert render_content(template, "en", context).text == "Until 3 October 2026"
    assert render_content(template, "nl", context).text == "Tot 3 oktober 2026"


# The merge context ---------------------------------------------------------------------------


def test_the_merge_context_holds_plain_values_only(ann, rep):
    campaign = CampaignFactory(description="Autumn", starting_date=datetime.date(2026, 9, 1))
    context = merge_context(
        contact=ann,
        salesperson=rep,
        campaign=campaign,
        segment={"no": "SG0001", "description": "Mailing"},
        extra={"unsubscribe_url": "https://example.com/u/1"},
    )
    assert context["contact"]["name"] == "Ann"
    assert context["company"] == {
        "no": ann.company.no,
        "name": "Contoso Ltd.",
        "address": "",
        "post_code": "",
        "city": "Utrecht",
        "country_code": "",
        "email": "info@contoso.example",
        "phone": "",
    }
    assert context["salesperson"] == {
        "code": "RR",
        "name": "Rita Rep",
        "email": "rita@example.com",
        "phone": "123",
    }
    assert context["campaign"]["starting_date"] == datetime.date(2026, 9, 1)
    assert context["campaign"]["ending_date"] is None
    assert context["segment"] == {"no": "SG0001", "description": "Mailing"}
    assert context["unsubscribe_url"] == "https://example.com/u/1"
    plain = (str, datetime.date, type(None))

    def values(value):
        if isinstance(value, dict):
            for inner in value.values():
                yield from values(inner)
        else:
            yield value

    assert all(isinstance(value, plain) for value in values(context))
    names = {
        f"{group}.{field}"
        for group in context
        if isinstance(context[group], dict)
        for field in context[group]
    }
    assert names | {"unsubscribe_url"} <= set(MERGE_FIELDS)


def test_a_company_is_its_own_company_and_missing_records_are_blank(rep):
    company = CompanyFactory(name="Acme")
    context = merge_context(contact=company)
    assert context["company"]["name"] == "Acme"
    assert context["salesperson"]["name"] == ""
    assert context["campaign"]["no"] == ""


def test_extra_values_must_be_merge_fields_and_plain(ann):
    with pytest.raises(ValueError, match="not a merge field"):
        merge_context(contact=ann, extra={"secret": "x"})
    with pytest.raises(TypeError):
        merge_context(contact=ann, extra={"response_url": ann})


# The sandbox and the checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{% load i18n %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% url 'home' %}",
        "{% csrf_token %}",
        "{% debug %}",
        "{% for c in contact.name %}{{ c }}{% endfor %}",
        "{% autoescape off %}{{ contact.name }}{% endautoescape %}",
        "{% ssi '/etc/passwd' %}",
    ],
)
def test_the_sandbox_refuses_tags_outside_its_library(text):
    with pytest.raises(ValidationError) as refused:
        check_template_text(text)
    assert "Line 1:" in refused.value.messages[0]
    assert "not allowed" in refused.value.messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "{{ contact.delete }}",
        "{{ contact.save }}",
        "{{ contact.company.persons.all }}",
        "{{ contact }}",
        "{{ request.user }}",
        "{{ settings.SECRET_KEY }}",
        "{{ contact.name.__class__ }}",
        "{% if user.is_superuser %}x{% endif %}",
        "{{ contact.name|default:campaign.budget }}",
        "{% with c=contact %}{{ c.delete }}{% endwith %}",
    ],
)
def test_only_merge_fields_can_be_reached(text):
    with pytest.raises(ValidationError):
        check_template_text(text)


def test_the_context_holds_no_record_to_reach_even_unchecked(ann):
    # Rendered without the check (a factory writes the row as it is): no record there.
    version = InteractionTemplateLanguageFactory(
        body_text="[{{ contact.delete }}][{{ contact.name.upper }}]"
    )
    content = render_content(version.template, "en", context_of(ann))
    assert content.text == "[][ANN]"
    assert type(ann).objects.filter(pk=ann.pk).exists()


def test_filters_outside_the_library_are_refused():
    for text in ("{{ contact.name|safe }}", "{{ contact.name|ljust:'99999999' }}"):
        with pytest.raises(ValidationError):
            check_template_text(text)


def test_unknown_merge_fields_are_named_with_their_line():
    with pytest.raises(ValidationError) as refused:
        check_template_text("Dear {{ contact.name }},\n\n{{ contact.nmae }} and {{ kontakt }}")
    assert refused.value.messages == [
        "Line 3: “contact.nmae” is not a merge field.",
        "Line 3: “kontakt” is not a merge field.",
    ]


def test_syntax_errors_are_named_with_their_line():
    with pytest.raises(ValidationError) as refused:
        check_template_text("Hello\n{% if contact.name %}open")
    assert refused.value.messages[0].startswith("Line 2:")
    with pytest.raises(ValidationError):
        check_template_text("{{ }}")
    with pytest.raises(ValidationError):
        check_template_text("{% if %}{% endif %}" + "{% if contact.name %}" * 2000)


def test_valid_texts_pass_the_check():
    for text in [
        "",
        "Plain text with {braces} and {name}",
        "{{ contact.name|upper }} {{ campaign.starting_date|date:'j F' }}",
        "{% if contact.job_title %}{{ contact.job_title|lower }}{% else %}Sir{% endif %}",
        "{% with n=contact.name %}{{ n }} {{ n|length }}{% endwith %}",
        "{% with c=company %}{{ c.name }}{% endwith %}",
        "{% firstof contact.job_title contact.name 'Sir' %}",
        "{% now 'Y' as year %}{{ year }} {{ unsubscribe_url }}",
        "{% comment %}{% load x %}{% endcomment %}{% templatetag openvariable %}",
        "{{ contact.name|first }}{{ campaign.ending_date|first }}",
        "{{ contact.no|floatformat:'999' }}",
    ]:
        check_template_text(text)


def test_a_huge_number_of_decimal_places_is_capped(ann):
    template = InteractionTemplateFactory(
        languages={"en": ("", "{{ contact.no|floatformat:'999999999' }}")}
    )
    ann.no = "1.5"
    assert render_content(template, "en", context_of(ann)).text == "1." + "5" + "0" * 19


def test_a_language_version_is_checked_by_its_model(ann):
    version = InteractionTemplateLanguageFactory.build(
        template=InteractionTemplateFactory(),
        subject="{{ contact.bogus }}",
        body_text="{% load i18n %}",
        body_html="{{ contact.name|safe }}",
    )
    with pytest.raises(ValidationError) as refused:
        version.full_clean()
    assert set(refused.value.message_dict) == {"subject", "body_text", "body_html"}
    empty = InteractionTemplateLanguageFactory.build(
        template=version.template, subject=" ", body_text=""
    )
    with pytest.raises(ValidationError, match="Fill in a subject or a body"):
        empty.full_clean()


# The old placeholders (the data migration) -----------------------------------------------

# Every placeholder the texts could hold before the merge fields.
OLD_PLACEHOLDERS = [
    "no", "name", "company", "job_title", "address", "post_code", "city",
    "country_code", "email", "phone", "salesperson",
]  # fmt: skip


def test_every_old_placeholder_becomes_its_merge_field():
    text = " ".join(f"{{{name}}}" for name in OLD_PLACEHOLDERS)
    converted = to_merge_fields(text)
    assert "{name}" not in converted
    assert to_merge_fields("Dear {name} of {company}, {salesperson} ({email})") == (
        "Dear {{ contact.name }} of {{ company.name }}, {{ salesperson.name }} "
        "({{ contact.email }})"
    )
    for field in converted.replace("{{ ", "").replace(" }}", "").split():
        assert field in MERGE_FIELDS
    check_template_text(converted)


def test_conversion_keeps_other_braces_as_text_and_goes_back(ann):
    text = "Hi {name}, {{unknown}} {% tag %} {# x #} {foo} {{name}}\n{company}"
    converted = to_merge_fields(text)
    check_template_text(converted)
    template = InteractionTemplateFactory(languages={"en": ("", converted)})
    assert render_content(template, "en", context_of(ann)).text == (
        "Hi Ann, {{unknown}} {% tag %} {# x #} {foo} {Ann}\nContoso Ltd."
    )
    assert to_placeholders(converted) == text


def test_a_converted_subject_is_cut_outside_its_merge_fields():
    subject = to_merge_fields("x" * 190 + "{name}")
    assert len(subject) > 200
    assert fit(subject, 200) == "x" * 190
    assert fit("short {{ contact.name }}", 200) == "short {{ contact.name }}"


def test_the_data_migration_uses_the_conversion():
    migration = importlib.import_module(
        "campaigns.migrations.0008_interaction_template_texts_into_languages"
    )
    assert migration.to_merge_fields is to_merge_fields
    assert migration.to_placeholders is to_placeholders
