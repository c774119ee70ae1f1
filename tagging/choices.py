from django.db import models


class TagDimension(models.TextChoices):
    BILLING_ACCOUNT = "billing_account", "Billing Account"
    ACCOUNT = "account_id", "Account"
    SERVICE = "service", "Service"
    CHARGE_TYPE = "charge_type", "Charge Type"
    CATEGORY = "category", "Category"


class TagOperator(models.TextChoices):
    IS = "is", "is"
    IS_NOT = "is_not", "is not"
    CONTAINS = "contains", "contains"
    STARTS_WITH = "starts_with", "starts with"


# The CostLineItem field behind each dimension.
DIMENSION_FIELDS = {
    TagDimension.BILLING_ACCOUNT: "integration__account_name",
    TagDimension.ACCOUNT: "account_id",
    TagDimension.SERVICE: "service",
    TagDimension.CHARGE_TYPE: "charge_type",
    TagDimension.CATEGORY: "category",
}

NOT_TAGGED = "Not tagged"
MAX_KEYS = 50
MAX_VALUES = 100
MAX_CONDITIONS = 20
# A condition value matches one dimension value (an account name, a category): none is longer than this.
MAX_CONDITION_VALUE_LENGTH = 500
NAME_PATTERN = r"^[A-Za-z0-9 _\-&+,.:/\\@]+$"
NAME_HELP = "Letters, digits, spaces and _ - & + , . : / \\ @ only."
