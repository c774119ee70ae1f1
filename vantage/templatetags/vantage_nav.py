"""Navigation links that appear once the page they point to exists (apps land one issue at a time)."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label):
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return format_html('<li><span class="nav-soon" title="Coming soon">{}</span></li>', label)
    request = context.get("request")
    active = request is not None and request.path.startswith(url)
    return format_html(
        '<li><a href="{}"{}>{}</a></li>', url, mark_safe(' class="active" aria-current="page"') if active else "", label
    )
