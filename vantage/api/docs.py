"""The API's interactive docs (Swagger UI, ReDoc), served from the app itself.

Their scripts and styles come from drf-spectacular-sidecar through our static files, so the docs work
without internet. Like the schema, they need a signed-in user or a token; a browser that is not
signed in is sent to the sign-in page (and back) instead of a bare 401.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.exceptions import NotAuthenticated


class _SignInFirst:
    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path(), settings.LOGIN_URL)
        return super().handle_exception(exc)


class ApiDocsView(_SignInFirst, SpectacularSwaggerView):
    pass


class ApiRedocView(_SignInFirst, SpectacularRedocView):
    template_name = "vantage/api_redoc.html"  # without the web fonts drf-spectacular's template fetches
