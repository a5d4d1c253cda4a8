"""The English and Dutch texts of each interaction template become its language
versions, their ``{name}`` placeholders merge fields (``{{ contact.name }}``); only a
language with a subject or a body gets a version. Backwards, the versions go back into
the fields, merge fields into placeholders (docs/campaigns.md, Merge fields)."""

from django.db import migrations

from campaigns.legacy_placeholders import fit, to_merge_fields, to_placeholders

LANGUAGES = ("en", "nl")
SUBJECT_LENGTH = 200


def texts_into_languages(apps, schema_editor):
    template_model = apps.get_model("campaigns", "InteractionTemplate")
    version_model = apps.get_model("campaigns", "InteractionTemplateLanguage")
    versions = []
    for template in template_model.objects.order_by("pk").iterator():
        filled = []
        for language in LANGUAGES:
            subject = getattr(template, f"subject_{language}")
            body = getattr(template, f"body_{language}")
            if not (subject.strip() or body.strip()):
                continue
            filled.append(language)
            versions.append(
                version_model(
                    template=template,
                    language=language,
                    subject=fit(to_merge_fields(subject), SUBJECT_LENGTH),
                    body_text=to_merge_fields(body),
                )
            )
        if filled and "en" not in filled:  # only Dutch: that is its default
            template_model.objects.filter(pk=template.pk).update(default_language=filled[0])
    version_model.objects.bulk_create(versions, batch_size=500)


def languages_into_texts(apps, schema_editor):
    template_model = apps.get_model("campaigns", "InteractionTemplate")
    version_model = apps.get_model("campaigns", "InteractionTemplateLanguage")
    for version in version_model.objects.filter(language__in=LANGUAGES).iterator():
        template_model.objects.filter(pk=version.template_id).update(
            **{
                f"subject_{version.language}": fit(
                    to_placeholders(version.subject), SUBJECT_LENGTH
                ),
                f"body_{version.language}": to_placeholders(version.body_text),
            }
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_interaction_template_languages"),
    ]

    operations = [
        migrations.RunPython(texts_into_languages, languages_into_texts, elidable=True),
    ]
