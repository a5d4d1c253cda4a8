"""Sales quote pages (docs/pricing.md, Sales quotes): list, card with lines, header
and line forms, *Recalculate* and "Why this price?".

Every page is built on ``core.generic_views``; writes go through
``quotes.services`` (``save_quote_line``, ``recalculate_quote``).
"""

import copy
import datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView

from core import generic_views as generic
from core.presentation import decimal_text
from core.submit_once import hidden_field
from pricing.candidates import customer_campaign_nos
from pricing.trace import reason_text, sales_type_text, source_text
from quotes import services
from quotes.filters import SalesQuoteFilter
from quotes.forms import QuoteLineAddForm, QuoteLineEditForm, SalesQuoteForm
from quotes.models import SalesQuote, SalesQuoteLine
from quotes.tables import SalesQuoteTable, money, percent


def _line_discount_label() -> str:
    # The model's label: "%" in a {% translate %} string does not survive makemessages.
    return capfirst(SalesQuoteLine._meta.get_field("line_discount_percent").verbose_name)


def _quote_queryset():
    return SalesQuote.objects.select_related("customer", "contact", "campaign")


class SalesQuoteList(generic.RecordListView):
    model = SalesQuote
    queryset = SalesQuote.objects.select_related("customer", "campaign").with_total()
    table_class = SalesQuoteTable
    filterset_class = SalesQuoteFilter
    empty_text = gettext_lazy(
        "No sales quotes yet. Create a quote for a customer and add item lines: "
        "the best price, including activated campaign prices, fills in by itself."
    )


class SalesQuoteCard(generic.RecordCardView):
    model = SalesQuote
    queryset = SalesQuote.objects.select_related(
        "customer__price_group", "customer__discount_group", "contact", "campaign"
    )
    sections = [
        (gettext_lazy("General"), ["no", "customer", "contact", "order_date"]),
        (gettext_lazy("Prices"), ["currency_code", "campaign"]),
    ]

    def get_title(self):
        return _("Sales quote %(quote)s") % {"quote": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quote = self.object
        lines = list(
            SalesQuoteLine.objects.filter(quote=quote)
            .select_related("item", "unit_of_measure")
            .order_by("line_no")
        )
        context["lines"] = lines
        context["total"] = sum((line.line_amount for line in lines), Decimal(0))
        context["overridden_count"] = sum(line.price_overridden for line in lines)
        context["campaign_nos"] = customer_campaign_nos(quote.customer, quote.order_date)
        context["line_discount_label"] = _line_discount_label()
        can_change = self.request.user.has_perm("quotes.change_salesquote")
        context["can_change"] = can_change
        if can_change:
            context.setdefault("add_line_form", QuoteLineAddForm())
            context["submit_once_field"] = hidden_field(self.request)  # for Add line
        return context


def _render_card(request, quote, **extra):
    """The quote card again, e.g. with the errors of the inline *Add line* form."""
    view = SalesQuoteCard()
    view.setup(request, key=quote.no)
    view.object = view.get_object()
    return view.render_to_response(view.get_context_data(object=view.object, **extra))


class SalesQuoteCreate(generic.RecordCreateView):
    model = SalesQuote
    form_class = SalesQuoteForm

    query_aliases = {"customer": "customer_no"}  # New quote from a customer's card

    def save_form(self, form):
        return services.save_quote(quote=form.save(commit=False), **self.save_kwargs(form)).quote


class SalesQuoteEdit(generic.RecordUpdateView):
    """Edit the header; a new customer, order date or currency prices the lines again."""

    model = SalesQuote
    form_class = SalesQuoteForm

    def get_queryset(self):
        return _quote_queryset()

    def save_form(self, form):
        saved = services.save_quote(quote=form.save(commit=False), **self.save_kwargs(form))
        if saved.lines:
            fields = ", ".join(
                str(SalesQuote._meta.get_field(name).verbose_name) for name in saved.repriced_fields
            )
            self.repriced = ngettext(
                "Sales quote %(quote)s saved. The %(fields)s changed, so its %(n)d line "
                "was priced again.",
                "Sales quote %(quote)s saved. The %(fields)s changed, so its %(n)d lines "
                "were priced again.",
                saved.lines,
            ) % {"quote": saved.quote, "fields": fields, "n": saved.lines}
        return saved.quote

    def get_success_message(self):
        return getattr(self, "repriced", None) or super().get_success_message()


class SalesQuoteDelete(generic.RecordDeleteView):
    model = SalesQuote

    def deletion_summary(self):
        count = self.object.lines.count()
        if not count:
            return []
        return [ngettext("%(n)d sales quote line", "%(n)d sales quote lines", count) % {"n": count}]


class QuoteChangeMixin(generic.ModelPermissionMixin):
    """Line and recalculate pages: they change the quote."""

    model = SalesQuote
    permission_required = "quotes.change_salesquote"


class RecalculateQuote(QuoteChangeMixin, generic.ConfirmActionView):
    action_label = gettext_lazy("Recalculate")
    submit_label = gettext_lazy("Yes, recalculate")

    def get_queryset(self):
        return _quote_queryset()

    def question(self):
        counts = self.object.lines.aggregate(
            lines=Count("id"), manual=Count("id", filter=Q(price_overridden=True))
        )
        if not counts["lines"]:
            return _("Sales quote %(no)s has no lines to price.") % {"no": self.object.no}
        question = ngettext(
            "Price the %(n)d line of sales quote %(no)s again with the best price on %(date)s?",
            "Price the %(n)d lines of sales quote %(no)s again with the best price on %(date)s?",
            counts["lines"],
        ) % {
            "n": counts["lines"],
            "no": self.object.no,
            "date": date_format(self.object.order_date),
        }
        if counts["manual"]:
            question += " " + ngettext(
                "%(n)d line with a price set by hand keeps its price.",
                "%(n)d lines with a price set by hand keep their price.",
                counts["manual"],
            ) % {"n": counts["manual"]}
        return question

    def perform(self, form):
        count = services.recalculate_quote(quote=self.object, user=self.request.user)
        if not count:
            return _("Sales quote %(no)s has no lines to price.") % {"no": self.object.no}
        return ngettext(
            "%(n)d line of sales quote %(no)s priced again.",
            "%(n)d lines of sales quote %(no)s priced again.",
            count,
        ) % {"n": count, "no": self.object.no}


def _get_quote(key):
    return get_object_or_404(_quote_queryset(), no=key)


def _get_line(quote, line_id):
    return get_object_or_404(
        SalesQuoteLine.objects.select_related(
            "item__item_discount_group", "item__base_unit_of_measure", "unit_of_measure"
        ),
        quote=quote,
        pk=line_id,
    )


class QuoteLineFormMixin(QuoteChangeMixin, generic.FormPageMixin):
    """Save a line through ``services.save_quote_line``; a refusal is a form error."""

    template_name = "generic/form.html"

    def get_success_message(self):
        line = self.object
        values = {
            "line_no": line.line_no,
            "item": line.item,
            "price": money(line.unit_price),
            "source": line.price_source,
            "discount": percent(line.line_discount_percent),
            "amount": money(line.line_amount),
        }
        if line.price_overridden:
            return self.manual_message % values
        return self.priced_message_text % values

    def get_success_url(self):
        return f"{self.quote.get_absolute_url()}#line-{self.object.pk}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.quote.get_absolute_url()
        return context


class QuoteLineAdd(QuoteLineFormMixin, FormView):
    """The card's inline *Add line* form posts here; without JavaScript a GET shows it alone."""

    form_class = QuoteLineAddForm
    priced_message_text = gettext_lazy(
        "Line %(line_no)s (%(item)s) added: unit price %(price)s from %(source)s, "
        "line discount %(discount)s %%, line amount %(amount)s."
    )
    manual_message = gettext_lazy("Line %(line_no)s (%(item)s) added.")

    def dispatch(self, request, *args, **kwargs):
        self.quote = _get_quote(kwargs["key"])
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Add line – %(quote)s") % {"quote": self.quote}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.quote), self.quote.get_absolute_url()),
            (_("Add line"), None),
        ]

    def save_form(self, form):
        line = form.save(commit=False)
        line.quote = self.quote
        return services.save_quote_line(line=line, **self.save_kwargs(form))

    def form_invalid(self, form):
        if self.request.method == "POST":
            return _render_card(self.request, self.quote, add_line_form=form)
        return super().form_invalid(form)


class QuoteLineEdit(QuoteLineFormMixin, FormView):
    form_class = QuoteLineEditForm
    priced_message_text = gettext_lazy(
        "Line %(line_no)s (%(item)s) saved: unit price %(price)s from %(source)s, "
        "line discount %(discount)s %%, line amount %(amount)s."
    )
    manual_message = gettext_lazy(
        "Line %(line_no)s (%(item)s) saved: unit price %(price)s set by hand, "
        "line discount %(discount)s %%, line amount %(amount)s."
    )

    def dispatch(self, request, *args, **kwargs):
        self.quote = _get_quote(kwargs["key"])
        self.line = self.object = _get_line(self.quote, kwargs["line_id"])
        self.line.quote = self.quote
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        # A copy: the page keeps showing the line as stored when the form is refused.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.line)}

    def get_title(self):
        return _("Edit line %(line_no)s (%(item)s) – %(quote)s") % {
            "line_no": self.line.line_no,
            "item": self.line.item,
            "quote": self.quote.no,
        }

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.quote), self.quote.get_absolute_url()),
            (_("Edit line %(line_no)s") % {"line_no": self.line.line_no}, None),
        ]

    def save_form(self, form):
        return services.save_quote_line(
            line=form.save(commit=False),
            override_price=form.cleaned_data["override_price"],
            **self.save_kwargs(form),
        )


class QuoteLineDelete(QuoteChangeMixin, generic.ConfirmActionView):
    """Delete one line, after a yes/no page."""

    action_label = gettext_lazy("Delete line")
    submit_label = gettext_lazy("Yes, delete")

    def get_queryset(self):
        return _quote_queryset()

    def get_object(self, queryset=None):
        quote = super().get_object(queryset)
        self.line = _get_line(quote, self.kwargs["line_id"])
        return quote

    def question(self):
        return _(
            "Delete line %(line_no)s (%(item)s, quantity %(quantity)s) from sales quote %(no)s?"
        ) % {
            "line_no": self.line.line_no,
            "item": self.line.item,
            "quantity": decimal_text(self.line.quantity),
            "no": self.object.no,
        }

    def perform(self, form):
        line_no = self.line.line_no
        services.delete_quote_line(line=self.line, user=self.request.user)
        return _("Line %(line_no)s deleted from sales quote %(no)s.") % {
            "line_no": line_no,
            "no": self.object.no,
        }


# "Why this price?" -----------------------------------------------------------

STATUS_LABELS = {
    "won": (gettext_lazy("won"), "table-success"),
    "best discount": (gettext_lazy("best discount"), "table-info"),
    "matched": (gettext_lazy("matched"), ""),
    "rejected": (gettext_lazy("rejected"), "text-body-secondary"),
}
KIND_LABELS = {"price": gettext_lazy("price"), "discount": gettext_lazy("discount")}


def _trace_date(value) -> str:
    """A trace's ISO date in the reader's short format (27-11-2026)."""
    if not value:
        return ""
    try:
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return value


def trace_rows(trace: dict) -> list[dict]:
    """The stored candidates as table rows: prices first, then discounts."""
    rows = []
    for entry in trace.get("candidates", []):
        label, css = STATUS_LABELS.get(entry.get("status"), (entry.get("status", ""), ""))
        kind = entry.get("kind", "")
        value = entry.get("value", "")
        value_text = f"{percent(value)} %" if kind == "discount" else money(value)
        if entry.get("converted_value"):
            # A price per base unit, converted to the line's unit (docs/pricing.md).
            value_text = (
                f"{value_text} × {decimal_text(entry['quantity_per_unit'])} "
                f"= {money(entry['converted_value'])}"
            )
        rows.append(
            {
                **entry,
                # Words and dates in the reader's language, whatever the pricing's was.
                "sales_type": sales_type_text(entry),
                "reason": reason_text(entry),
                "starting_date": _trace_date(entry.get("starting_date")),
                "ending_date": _trace_date(entry.get("ending_date")),
                "kind_label": KIND_LABELS.get(kind, kind),
                "status_label": label,
                "css": css,
                "value_text": value_text,
                "line_amount_text": money(entry["line_amount"]) if entry.get("line_amount") else "",
                "minimum_quantity_text": (
                    decimal_text(entry["minimum_quantity"]) if entry.get("minimum_quantity") else ""
                ),
                "is_winner": entry.get("status") in {"won", "best discount"},
            }
        )
    rows.sort(key=lambda row: row["kind"] != "price")
    return rows


def trace_summary(line, trace: dict) -> str:
    """One sentence: where the unit price and the line discount come from."""
    if not trace:
        return _(
            "No price explanation is stored for this line yet; recalculate the quote to see one."
        )
    values = {
        "price": money(line.unit_price),
        "best": money(trace.get("unit_price")),
        "source": source_text(trace),
        "discount": percent(line.line_discount_percent),
    }
    if line.price_overridden:
        sentence = (
            _(
                "Unit price %(price)s set by hand (the best price is %(best)s from %(source)s), "
                "line discount %(discount)s %%."
            )
            % values
        )
    else:
        sentence = (
            _("Unit price %(price)s from %(source)s, line discount %(discount)s %%.") % values
        )
    per_unit = trace.get("quantity_per_unit", "1")
    if per_unit != "1" and line.unit_of_measure_id:
        sentence += " " + _(
            "One %(unit)s holds %(qty)s of the item's base unit: prices per base unit are "
            "multiplied by %(qty)s."
        ) % {"unit": line.unit_of_measure.code, "qty": decimal_text(per_unit)}
    best_discount = next(
        (row for row in trace.get("candidates", []) if row.get("status") == "best discount"),
        None,
    )
    if best_discount and line.line_discount_percent:
        source = f"{sales_type_text(best_discount)} {best_discount.get('sales_code', '')}"
        sentence += " " + _("The line discount comes from %(source)s.") % {"source": source.strip()}
    elif best_discount:
        sentence += " " + _("The winning price allows no line discount.")
    return sentence


class QuoteLineTrace(generic.ModelPermissionMixin, generic.PageMixin, TemplateView):
    """ "Why this price?": every candidate price and discount the engine looked at."""

    model = SalesQuote
    template_name = "quotes/salesquote_trace.html"

    def get(self, request, *args, **kwargs):
        self.quote = _get_quote(kwargs["key"])
        self.line = _get_line(self.quote, kwargs["line_id"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Why this price? Line %(line_no)s (%(item)s) – %(quote)s") % {
            "line_no": self.line.line_no,
            "item": self.line.item,
            "quote": self.quote.no,
        }

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.quote), self.quote.get_absolute_url()),
            (_("Why this price? Line %(line_no)s") % {"line_no": self.line.line_no}, None),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        trace = self.line.price_trace or {}
        context |= {
            "quote": self.quote,
            "line": self.line,
            "rows": trace_rows(trace),
            "summary": trace_summary(self.line, trace),
            "can_change": self.request.user.has_perm("quotes.change_salesquote"),
            "line_discount_label": _line_discount_label(),
        }
        return context
