"""The texts of letters and e-mails: an interaction template's language version
rendered with the merge fields of one contact (docs/campaigns.md, Merge fields).

- ``merge_context`` builds the values a text may use, as plain values only (strings,
  dates, numbers): ``MERGE_FIELDS`` is the whole list, and the help on the pages is
  made from it too.
- ``render_content`` picks the language version and renders subject and bodies with
  the sandboxed engine of ``campaigns.sandbox``.
- ``check_template_text`` refuses, with the line and the problem, a text that would
  not render or uses anything but the merge fields: a language version is checked
  when it is saved, so a broken text is a form error, never a failed mailing.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.template import Context, TemplateSyntaxError
from django.template.base import FilterExpression, Lexer, TextNode, TokenType, VariableNode
from django.template.defaulttags import (
    CommentNode,
    FirstOfNode,
    IfNode,
    NowNode,
    TemplateLiteral,
    TemplateTagNode,
    VerbatimNode,
    WithNode,
)
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.legacy_placeholders import MERGE_FIELD_OF, OLD_PLACEHOLDER
from campaigns.sandbox import CHECK_ENGINE, HTML_ENGINE, INNER_TAGS, TAGS, TEXT_ENGINE
from contacts.models import Language

# Every merge field, as written in a text (``{{ contact.name }}``), with what it holds.
# The names without a dot are given by the caller (``extra``), e.g. the links of an
# e-mail; where a caller has none they render blank.
MERGE_FIELDS: dict[str, str] = {
    "contact.no": gettext_lazy("contact No."),
    "contact.name": gettext_lazy("contact name"),
    "contact.job_title": gettext_lazy("job title"),
    "contact.address": gettext_lazy("address"),
    "contact.post_code": gettext_lazy("post code"),
    "contact.city": gettext_lazy("city"),
    "contact.country_code": gettext_lazy("country/region code"),
    "contact.email": gettext_lazy("e-mail"),
    "contact.phone": gettext_lazy("phone No."),
    "contact.language": gettext_lazy("language code (en, nl)"),
    "company.no": gettext_lazy("company No. (a company's own)"),
    "company.name": gettext_lazy("company name (a company's own name)"),
    "company.address": gettext_lazy("company address"),
    "company.post_code": gettext_lazy("company post code"),
    "company.city": gettext_lazy("company city"),
    "company.country_code": gettext_lazy("company country/region code"),
    "company.email": gettext_lazy("company e-mail"),
    "company.phone": gettext_lazy("company phone No."),
    "salesperson.code": gettext_lazy("salesperson code"),
    "salesperson.name": gettext_lazy("salesperson name"),
    "salesperson.email": gettext_lazy("salesperson e-mail"),
    "salesperson.phone": gettext_lazy("salesperson phone No."),
    "campaign.no": gettext_lazy("campaign No."),
    "campaign.description": gettext_lazy("campaign description"),
    "campaign.starting_date": gettext_lazy("campaign starting date"),
    "campaign.ending_date": gettext_lazy("campaign ending date"),
    "segment.no": gettext_lazy("segment No."),
    "segment.description": gettext_lazy("segment description"),
    "unsubscribe_url": gettext_lazy("link to unsubscribe (e-mails only)"),
    "response_url": gettext_lazy("link to respond (e-mails only)"),
}
GROUPS = ("contact", "company", "salesperson", "campaign", "segment")
EXTRA_NAMES = tuple(name for name in MERGE_FIELDS if "." not in name)
# Where a group's field is found on a record when it is named differently there
# (a logged segment keeps the segment's No. as segment_no).
ATTRIBUTES = {"segment.no": ("no", "segment_no")}
PLAIN = (str, int, Decimal, datetime.date, bool, type(None))


def merge_field_help() -> list[tuple[str, str]]:
    """``[("{{ contact.name }}", "contact name"), …]`` for the help on the pages."""
    return [(f"{{{{ {name} }}}}", label) for name, label in MERGE_FIELDS.items()]


def _fields(group: str) -> list[str]:
    prefix = f"{group}."
    return [name.removeprefix(prefix) for name in MERGE_FIELDS if name.startswith(prefix)]


def _plain(value):
    return value if isinstance(value, PLAIN) else str(value)


def _group(group: str, source) -> dict:
    """The merge values of ``group`` from ``source`` (a record, a dict or None): blank
    strings where there is none, so ``{% if campaign.no %}`` works."""
    values = {}
    for field in _fields(group):
        value = None
        for attribute in ATTRIBUTES.get(f"{group}.{field}", (field,)):
            if isinstance(source, dict):
                value = source.get(attribute)
            elif source is not None:
                value = getattr(source, attribute, None)
            if value is not None:
                break
        values[field] = "" if value is None and not field.endswith("date") else _plain(value)
    return values


def merge_context(*, contact, salesperson=None, campaign=None, segment=None, extra=None) -> dict:
    """The merge values of one letter or e-mail, plain values only (no records, so a
    text can call no method of one): ``contact``; ``company``: the contact's company,
    or the contact itself when it is a company or belongs to none; ``salesperson``
    (the interaction's), ``campaign`` and ``segment`` (a segment, a logged segment or
    a dict with ``no`` and ``description``); ``extra``: values of the names without a
    dot in ``MERGE_FIELDS`` (``unsubscribe_url`` …), given by the caller."""
    company = contact.company if getattr(contact, "company_id", None) else contact
    context = {
        "contact": _group("contact", contact),
        "company": _group("company", company),
        "salesperson": _group("salesperson", salesperson),
        "campaign": _group("campaign", campaign),
        "segment": _group("segment", segment),
    }
    for name, value in (extra or {}).items():
        if name not in EXTRA_NAMES:
            raise ValueError(f"{name!r} is not a merge field (campaigns.rendering.MERGE_FIELDS)")
        if not isinstance(value, PLAIN):
            raise TypeError(f"The merge value {name!r} must be a plain value, not {type(value)}")
        context[name] = value
    return context


# --- Rendering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedContent:
    """A rendered letter or e-mail: the language of the version it came from (blank
    when the template has none), the subject (one line), the text body and the HTML
    body (blank when the version has none)."""

    language: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""


# Two full stops where a merged value ends in one ("Contoso Ltd." + "."): one. Three or
# more (an ellipsis) stay, and so do ".." inside a word or path ("../").
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?![.\w/])")
LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


@lru_cache(maxsize=256)
def _compiled(text: str, html: bool):
    return (HTML_ENGINE if html else TEXT_ENGINE).from_string(text)


def _render(text: str, context: dict, *, html: bool = False) -> str:
    if not text:
        return ""
    try:
        rendered = _compiled(text, html).render(Context(context, autoescape=html))
    except (TemplateSyntaxError, RecursionError) as error:
        raise ValidationError(
            _("The text cannot be rendered: %(problem)s") % {"problem": error}
        ) from None
    return DOUBLE_STOP.sub(".", rendered)


def language_version(template, language: str):
    """The language version of ``template`` that a contact of ``language`` gets: that
    language's, else the template's default language's, else the first there is
    (None when the template has none). Reads ``template.languages.all()``, so a
    prefetch serves it."""
    if template is None:
        return None
    versions = {version.language: version for version in template.languages.all()}
    for code in (language, template.default_language):
        if code in versions:
            return versions[code]
    order = [code for code, _label in Language.choices]
    ranked = sorted(versions, key=lambda code: (order.index(code) if code in order else 99, code))
    return versions[ranked[0]] if ranked else None


def render_content(template, language: str, context: dict, *, fallback_subject: str = ""):
    """The subject and bodies of ``template`` (``language_version``) rendered with
    ``context`` (``merge_context``), as ``RenderedContent``: subject and bodies always
    come from the same language version. ``fallback_subject`` (an interaction's own
    subject) is used, merged too, only when that version has no subject. A template
    without versions gives blank texts (and the fallback subject).

    Raises ``ValidationError`` for a text that does not compile, which the checks on
    saving a language version keep out."""
    version = language_version(template, language)
    subject = version.subject if version is not None else ""
    if not subject.strip():
        subject = _fallback_subject(fallback_subject, context)
    else:
        subject = _render_in(version, subject, context)
    if version is None:
        return RenderedContent(subject=_one_line(subject))
    return RenderedContent(
        language=version.language,
        subject=_one_line(subject),
        text=_render_in(version, version.body_text, context),
        html=_render_in(version, version.body_html, context, html=True),
    )


def _render_in(version, text: str, context: dict, *, html: bool = False) -> str:
    # Dates and numbers in the version's language ("27 november 2026").
    with translation.override(version.language or None):
        return _render(text, context, html=html)


def _fallback_subject(subject: str, context: dict) -> str:
    """An interaction's own subject, typed on a segment or a contact card: merged when
    it is a valid text (the old ``{name}`` placeholders too), else as typed."""
    if not (subject or "").strip():
        return ""
    merged = OLD_PLACEHOLDER.sub(
        lambda m: (
            f"{{{{ {MERGE_FIELD_OF[m.group(1)]} }}}}"
            if m.group(1) in MERGE_FIELD_OF
            else m.group(0)
        ),
        subject,
    )
    try:
        check_template_text(merged)
        return _render(merged, context)
    except ValidationError:
        return subject


def _one_line(text: str) -> str:
    return LINE_BREAKS.sub(" ", text).strip()


# --- Checking ----------------------------------------------------------------------------

ALLOWED_TAGS = frozenset(TAGS + INNER_TAGS)


def check_template_text(text: str, *, html: bool = False) -> None:
    """Refuse ``text`` with a ``ValidationError`` naming the line and the problem of
    each: a tag or filter that is not in the sandbox's library, a syntax error, a
    variable that is no merge field, a text that fails to render."""
    if not text:
        return
    problems = _tag_problems(text)
    if not problems:
        try:
            nodelist = CHECK_ENGINE.from_string(text).nodelist
        except TemplateSyntaxError as error:
            problems = [_line_problem(_error_line(error), str(error))]
        except RecursionError:
            problems = [_("The text has too many tags inside each other.")]
        else:
            problems = _walk(nodelist, {})
    if not problems:
        problems = _render_problems(text, html)
    if problems:
        raise ValidationError(problems, code="template_text")


def check_language_version(version) -> None:
    """A language version's own check (its model's ``clean``): something to send, and
    every text renders with the merge fields only; errors by field."""
    texts = {"subject": version.subject, "body_text": version.body_text}
    texts["body_html"] = version.body_html
    if not any((text or "").strip() for text in texts.values()):
        raise ValidationError(_("Fill in a subject or a body."), code="empty")
    errors = {}
    for name, text in texts.items():
        try:
            check_template_text(text, html=name == "body_html")
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def _line_problem(line, problem: str) -> str:
    if line is None:
        return str(problem)
    return _("Line %(line)d: %(problem)s") % {"line": line, "problem": problem}


def _error_line(error):
    debug = getattr(error, "template_debug", None) or {}
    return debug.get("line")


def _tag_problems(text: str) -> list[str]:
    """Tags outside the library, each with its line (the compiler would stop at the
    first with a message about loading libraries)."""
    problems = []
    in_comment = False
    for token in Lexer(text).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        name = (token.contents.split() or [""])[0]
        if in_comment:
            in_comment = name != "endcomment"
            continue
        in_comment = name == "comment"
        if name not in ALLOWED_TAGS:
            problems.append(
                _line_problem(
                    token.lineno,
                    _("the tag “{%% %(tag)s %%}” is not allowed here.") % {"tag": name},
                )
            )
    return problems


def _expressions(condition):
    """The variables of an ``{% if %}`` condition."""
    if isinstance(condition, TemplateLiteral):
        yield condition.value
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            yield from _expressions(part)


def _walk(nodelist, bound: dict) -> list[str]:
    """The variables outside ``MERGE_FIELDS`` in ``nodelist``; ``bound``: the names a
    ``{% with %}`` (or an ``as`` name) gives, each to a merge field path or None."""
    problems = []
    bound = dict(bound)
    for node in nodelist:
        line = getattr(getattr(node, "token", None), "lineno", None)
        if isinstance(node, VariableNode):
            problems += _expression_problems(node.filter_expression, bound, line)
        elif isinstance(node, IfNode):
            for condition, inner in node.conditions_nodelists:
                for expression in _expressions(condition) if condition is not None else ():
                    problems += _expression_problems(expression, bound, line)
                problems += _walk(inner, bound)
        elif isinstance(node, WithNode):
            names = {}
            for name, expression in node.extra_context.items():
                # A name may stand for a whole group: {% with c=company %}{{ c.name }}
                group = _path(expression)
                if not (group and len(group) == 1 and group[0] in GROUPS):
                    problems += _expression_problems(expression, bound, line)
                names[name] = group
            problems += _walk(node.nodelist, {**bound, **names})
        elif isinstance(node, FirstOfNode):
            for expression in node.vars:
                problems += _expression_problems(expression, bound, line)
            if node.asvar:
                bound[node.asvar] = None
        elif isinstance(node, NowNode):
            if node.asvar:
                bound[node.asvar] = None
        elif not isinstance(node, TextNode | CommentNode | TemplateTagNode | VerbatimNode):
            problems.append(_line_problem(line, _("this tag is not allowed here.")))
    return problems


def _path(expression: FilterExpression):
    """The merge field path a ``{% with %}`` name stands for (None: a value)."""
    lookups = getattr(expression.var, "lookups", None)
    return tuple(lookups) if lookups and not expression.filters else None


def _expression_problems(expression: FilterExpression, bound: dict, line) -> list[str]:
    variables = [expression.var]
    for _function, arguments in expression.filters:
        variables += [argument for is_lookup, argument in arguments if is_lookup]
    problems = []
    for variable in variables:
        lookups = getattr(variable, "lookups", None)
        if not lookups:
            continue  # a literal: "text", 3
        name, *rest = lookups
        if name in bound:
            alias = bound[name]
            if alias is None and not rest:
                continue
            lookups = (*alias, *rest) if alias is not None else lookups
        if ".".join(lookups) not in MERGE_FIELDS:
            problems.append(
                _line_problem(
                    line,
                    _("“%(name)s” is not a merge field.") % {"name": variable.var},
                )
            )
    return problems


def _sample_contexts() -> list[dict]:
    """Merge values of every kind a text meets: filled in, and all blank."""
    filled = {
        group: {
            field: datetime.date(2026, 1, 31) if field.endswith("date") else "Sample."
            for field in _fields(group)
        }
        for group in GROUPS
    }
    filled.update((name, "https://example.com/") for name in EXTRA_NAMES)
    blank = {group: _group(group, None) for group in GROUPS}
    return [filled, blank]


def _render_problems(text: str, html: bool) -> list[str]:
    for context in _sample_contexts():
        try:
            (HTML_ENGINE if html else TEXT_ENGINE).from_string(text).render(
                Context(context, autoescape=html)
            )
        except Exception as error:  # noqa: BLE001 - whatever a filter raises is the problem
            return [_("The text cannot be rendered: %(problem)s") % {"problem": error}]
    return []
