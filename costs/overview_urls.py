"""The Overview at "/" (included by vantage.urls with a string, since vantage imports no app)."""

from django.urls import path

from .overview import overview_page

urlpatterns = [
    path("", overview_page, name="home"),
]
