"""The content of one marketing message (docs/mailings.md): subject and bodies in one
language, merged by the sandboxed renderer of the interaction templates
(``campaigns.rendering``). Used for sending and for the preview before logging."""

from campaigns.rendering import RenderedContent, merge_context, render_content


def render_message(
    *,
    template,
    language: str,
    contact,
    salesperson=None,
    campaign=None,
    segment=None,
    subject: str = "",
    extra: dict | None = None,
) -> RenderedContent:
    """``template``'s version for ``language`` (else its default language's), merged
    with the contact, the salesperson who signs, the campaign and the segment.
    ``subject`` (the line's own) is used only when that version has none."""
    context = merge_context(
        contact=contact, salesperson=salesperson, campaign=campaign, segment=segment, extra=extra
    )
    return render_content(template, language, context, fallback_subject=subject)
