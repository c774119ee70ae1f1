from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from costs import formatting

register = template.Library()

# Numbers: {{ amount|money }} or {{ amount|money:currency }}, {{ usage|quantity:unit }}, {{ n|integer }},
# {{ change|percent }}, {{ difference|signed_money:currency }}. Dates: {{ d|day }} ("1 Dec 2026"),
# {{ d|month }} ("Dec 2026"), {{ dt|moment }} ("1 Dec 2026, 14:05 UTC"). None is "—" in every one.
register.filter("money", formatting.money)
register.filter("quantity", formatting.quantity)
register.filter("integer", formatting.integer)
register.filter("percent", formatting.percent)
register.filter("signed_money", formatting.signed_money)
register.filter("day", formatting.day)
register.filter("month", formatting.month)
register.filter("moment", formatting.moment)


@register.simple_tag
def day_span(start, end):
    """``{% day_span start end %}``: "1 Dec 2026 – 31 Dec 2026"."""
    return formatting.day_span(start, end)


@register.filter
def measure(value, usage_mode):
    """A table cell: money in spend mode, a quantity in usage mode."""
    return formatting.quantity(value) if usage_mode else formatting.money(value)


@register.simple_tag
def multi_select(bound_field):
    """A filter's ``<select multiple>``: hundreds of options, rendered without a template per option."""
    selected = {str(v) for v in (bound_field.value() or [])}
    choices = bound_field.field.choices
    options = format_html_join(
        "",
        "<option value=\"{}\"{}>{}</option>",
        ((value, mark_safe(" selected") if str(value) in selected else "", label) for value, label in choices),
    )
    invalid = mark_safe(' aria-invalid="true"') if bound_field.errors else ""
    return format_html(
        '<select name="{}" id="{}" multiple{}>{}</select>',
        bound_field.html_name,
        bound_field.id_for_label,
        invalid,
        options,
    )
