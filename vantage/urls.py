from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from . import members, profile, views, workspace_settings
from .api.docs import ApiDocsView, ApiRedocView

urlpatterns = [
    path("", include("costs.overview_urls")),  # the Overview, named "home" (a string: vantage imports no app)
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workspaces/switch/", views.workspace_switch, name="workspace_switch"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/profile/", profile.profile, name="profile"),
    path("settings/workspace/", workspace_settings.workspace_settings, name="workspace_settings"),
    path("settings/members/", members.members, name="members"),
    path("settings/members/<int:pk>/role/", members.member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path("settings/audit-log/", include("vantage.audit.urls")),
    path("reports/", include("costs.urls")),
    path("settings/integrations/", include("integrations.urls")),
    path("settings/notifications/", include("vantage.notifications.urls")),
    path("virtual-tags/", include("tagging.urls")),
    path("budgets/", include("costs.budgets.urls")),
    path("", include("costs.alerting.urls")),  # /alerts/ and /digests/
    path("anomalies/", include("costs.anomalies.urls")),
    path("admin/", admin.site.urls),
    path("api/v2/", include("vantage.api.urls")),
    path("api/v2/", include("integrations.api.urls")),
    path("api/v2/", include("costs.api.urls")),
    path("api/v2/", include("tagging.api.urls")),
    path("api/v2/", include("vantage.notifications.api.urls")),
    path("api/v2/", include("costs.budgets.api.urls")),
    path("api/v2/", include("costs.alerting.api.urls")),
    path("api/v2/", include("costs.anomalies.api.urls")),
    path("api/v2/", include("vantage.audit.api.urls")),
    path("api/v2/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v2/docs", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v2/redoc", ApiRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
]

handler404 = "vantage.views.not_found"
handler500 = "vantage.views.server_error"
