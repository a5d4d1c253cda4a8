"""The sandboxed template engine of interaction template texts (docs/campaigns.md,
Merge fields).

A subject or body is written by a user and rendered for every contact of a mailing,
so it must reach nothing but the merge values handed to it (plain strings, dates and
numbers, ``campaigns.rendering.merge_context``): no database, no files, no settings,
no other templates. Django's template language is used for its familiar syntax, but
on an engine of its own:

- no loaders and no directories: ``{% include %}`` and ``{% extends %}`` do not even
  exist, and nothing can be read from a file;
- no libraries: ``{% load %}`` does not exist, so no other tag or filter can be added;
- instead of Django's built-in tags and filters, only this module's small library
  (``register``): the tags ``if``, ``with``, ``firstof``, ``now``, ``comment``,
  ``templatetag`` and ``verbatim``, and filters that only reshape a value.

Left out on purpose: ``url``, ``csrf_token``, ``debug`` (they reach the project),
``for``, ``cycle`` and the padding filters (``center``, ``ljust``, ``stringformat``,
``join``): the merge values hold no lists, and nested loops or padding to a width typed
in the template would make a tiny template produce gigabytes; ``autoescape``, ``safe``
and ``escape``: a merged value in an HTML body is always escaped, so a contact named
``<script>`` stays text. ``floatformat`` keeps at most ``MAX_DECIMAL_PLACES`` places
(Django's accepts any number, and a huge one takes the memory of the machine).
"""

from django.template import Engine, Library, TemplateDoesNotExist, defaultfilters, defaulttags

register = Library()

# The tags of the library: a template may use these and their end and middle parts.
TAGS = ("if", "with", "firstof", "now", "comment", "templatetag", "verbatim")
INNER_TAGS = ("elif", "else", "endif", "endwith", "endcomment", "endverbatim")

register.tag("if", defaulttags.do_if)
register.tag("with", defaulttags.do_with)
register.tag("firstof", defaulttags.firstof)
register.tag("now", defaulttags.now)
register.tag("comment", defaulttags.comment)
register.tag("templatetag", defaulttags.templatetag)
register.tag("verbatim", defaulttags.verbatim)

# Filters taken over from Django as they are (their flags travel with the function).
for _name, _function in {
    "default": defaultfilters.default,
    "default_if_none": defaultfilters.default_if_none,
    "upper": defaultfilters.upper,
    "lower": defaultfilters.lower,
    "title": defaultfilters.title,
    "capfirst": defaultfilters.capfirst,
    "cut": defaultfilters.cut,
    "truncatewords": defaultfilters.truncatewords,
    "truncatechars": defaultfilters.truncatechars,
    "linebreaks": defaultfilters.linebreaks_filter,
    "linebreaksbr": defaultfilters.linebreaksbr,
    "date": defaultfilters.date,
    "time": defaultfilters.time,
    "yesno": defaultfilters.yesno,
    "pluralize": defaultfilters.pluralize,
    "length": defaultfilters.length,
    "urlencode": defaultfilters.urlencode,
}.items():
    register.filter(_name, _function)

MAX_DECIMAL_PLACES = 20


@register.filter(is_safe=True)
def floatformat(value, arg=-1):
    """Django's ``floatformat`` with at most ``MAX_DECIMAL_PLACES`` decimal places."""
    text = str(arg)
    number = text.rstrip("gu")
    suffix = text[len(number) :]
    try:
        places = int(number) if number else -1
    except ValueError:
        return defaultfilters.floatformat(value, arg)
    places = max(-MAX_DECIMAL_PLACES, min(MAX_DECIMAL_PLACES, places))
    return defaultfilters.floatformat(value, f"{places}{suffix}")


@register.filter
def first(value):
    """The first item or character; blank for a value without one (a date, None)."""
    try:
        return value[0]
    except (IndexError, KeyError, TypeError):
        return ""


@register.filter
def last(value):
    """The last item or character; blank for a value without one."""
    try:
        return value[-1]
    except (IndexError, KeyError, TypeError):
        return ""


FILTERS = tuple(sorted(register.filters))


class SandboxEngine(Engine):
    """A template engine whose templates reach only their context (module docstring)."""

    default_builtins = ["campaigns.sandbox"]

    def __init__(self, *, autoescape: bool, debug: bool = False):
        super().__init__(
            dirs=[],
            app_dirs=False,
            context_processors=[],
            debug=debug,
            loaders=[],
            string_if_invalid="",
            libraries={},
            builtins=[],
            autoescape=autoescape,
        )

    def find_template(self, name, dirs=None, skip=None):
        raise TemplateDoesNotExist(name)


# Plain text (subjects, text bodies) is not escaped; an HTML body escapes every merged
# value. The checking engine compiles with line numbers in its errors.
TEXT_ENGINE = SandboxEngine(autoescape=False)
HTML_ENGINE = SandboxEngine(autoescape=True)
CHECK_ENGINE = SandboxEngine(autoescape=False, debug=True)
