"""The API's interactive docs (Swagger UI, ReDoc), served from the app itself.

Their scripts and styles come from drf-spectacular-sidecar through our static files, so the docs work
without internet. Like the schema, they need a signed-in user or a token; a browser that is not
signed in is sent to the sign-in page (and back) instead of a bare 401.

Under the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY): Swagger UI's start-up script is
served as a file of its own (``?script``, the split view) and its page styles come from our static css,
so that page needs nothing inline. ReDoc builds its look with styled-components, which inserts
``<style>`` elements at run time, and runs its search index in a worker it creates from a ``blob:`` URL
(its own code); its page alone allows inline *styles* and blob workers, never inline scripts. ReDoc's
hard-coded "by Redocly" logo (a third-party image) stays blocked by img-src, as intended.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated


class _SignInFirst:
    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path(), settings.LOGIN_URL)
        return super().handle_exception(exc)


class ApiDocsView(_SignInFirst, SpectacularSwaggerSplitView):
    template_name = "vantage/api_swagger.html"  # drf-spectacular's, with its <style> block in our static css


@method_decorator(csp_update({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="dispatch")
class ApiRedocView(_SignInFirst, SpectacularRedocView):
    template_name = "vantage/api_redoc.html"  # without the web fonts drf-spectacular's template fetches
