"""Sign-in for every page, the current workspace on every request, and the Permissions-Policy header."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse

from .workspaces import current_workspace

PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/admin/", "/api/", "/healthz", "/favicon.ico")


class LoginRequiredMiddleware:
    """Every page except sign-in requires sign-in (the admin and the API have their own auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse({"errors": [{"field": None, "message": "Sign in first."}]}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class CurrentWorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = current_workspace(request) if request.user.is_authenticated else None
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response: the browser features the app never uses stay off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response
