from django import template

from ..outbound import display_url

register = template.Library()


@register.filter
def webhook_target(url: str) -> str:
    """A webhook URL as pages show it: scheme and host only (the path may be the credential)."""
    return display_url(url)
