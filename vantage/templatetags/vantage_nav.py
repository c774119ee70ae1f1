"""Navigation links, marked active on the page they point to (and the pages below it)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label):
    url = reverse(url_name)
    request = context.get("request")
    active = request is not None and request.path.startswith(url)
    return format_html(
        '<li><a href="{}"{}>{}</a></li>', url, mark_safe(' class="active" aria-current="page"') if active else "", label
    )
