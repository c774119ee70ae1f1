from django.db import models


class AuditAction(models.TextChoices):
    INTEGRATION_CONNECTED = "integration.connected", "Integration connected"
    INTEGRATION_CREDENTIALS = "integration.credentials_changed", "Integration credentials changed"
    INTEGRATION_CHANGED = "integration.changed", "Integration changed"
    INTEGRATION_SYNCED = "integration.synced", "Integration synced"
    INTEGRATION_REIMPORTED = "integration.reimported", "Integration re-imported"
    INTEGRATION_ASSIGNED = "integration.assigned", "Integration assigned to a workspace"
    INTEGRATION_REMOVED = "integration.removed", "Integration removed from a workspace"
    INTEGRATION_DELETED = "integration.deleted", "Integration deleted"
    REPORT_CREATED = "report.created", "Report created"
    REPORT_CHANGED = "report.changed", "Report changed"
    REPORT_DELETED = "report.deleted", "Report deleted"
    TAG_CREATED = "tag.created", "Virtual tag created"
    TAG_CHANGED = "tag.changed", "Virtual tag changed"
    TAG_DELETED = "tag.deleted", "Virtual tag deleted"
    BUDGET_CREATED = "budget.created", "Budget created"
    BUDGET_CHANGED = "budget.changed", "Budget changed"
    BUDGET_DELETED = "budget.deleted", "Budget deleted"
    TOKEN_CREATED = "token.created", "API token created"
    TOKEN_REVOKED = "token.revoked", "API token revoked"
    MEMBER_ADDED = "member.added", "Member added"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    SIGNED_IN = "auth.signed_in", "Signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "auth.locked_out", "Sign-in refused: locked out"


# Events about a person rather than a workspace (stored without one): a workspace's log shows those of its members.
PERSONAL_PREFIXES = ("auth.", "token.")
