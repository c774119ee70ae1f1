"""The FOCUS ServiceCategory and ServiceSubcategory of each service, contributed by the provider package.

``costs`` knows no provider's services: the Twilio package registers its mapping from
``IntegrationsConfig.ready()`` (``service_categories.register({service: (category, subcategory)})``).
A service nobody mapped is "Other" / "Other (Other)", FOCUS's values for what fits nowhere else.
"""

from __future__ import annotations

# FOCUS 1.2's allowed ServiceCategory values, each with its allowed ServiceSubcategory values.
_OTHER_OF = "Other ({})"
SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "AI and Machine Learning": ("AI Platforms", "Bots", "Generative AI", "Machine Learning",
                                "Natural Language Processing"),
    "Analytics": ("Analytics Platforms", "Business Intelligence", "Data Processing", "Search", "Streaming Analytics"),
    "Business Applications": ("Productivity and Collaboration",),
    "Compute": ("Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines"),
    "Databases": ("Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
                  "Time Series Databases"),
    "Developer Tools": ("Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
                        "Source Code Management", "Quality Assurance"),
    "Identity": ("Identity and Access Management",),
    "Integration": ("API Management", "Messaging", "Workflow Orchestration"),
    "Internet of Things": ("IoT Analytics", "IoT Platforms"),
    "Management and Governance": ("Architecture", "Compliance", "Cost Management", "Data Governance",
                                  "Disaster Recovery", "Endpoint Management", "Observability", "Support"),
    "Media": ("Content Creation", "Gaming", "Media Streaming", "Mixed Reality"),
    "Migration": ("Data Migration", "Resource Migration"),
    "Mobile": (),
    "Multicloud": ("Multicloud Integration",),
    "Networking": ("Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
                   "Network Routing", "Network Security"),
    "Security": ("Secret Management", "Security Posture Management", "Threat Detection and Response"),
    "Storage": ("Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms"),
    "Web": ("Application Platforms",),
    "Other": (),
}  # fmt: skip
SERVICE_CATEGORIES = tuple(SUBCATEGORIES)
OTHER = ("Other", "Other (Other)")


def allowed(category: str, subcategory: str) -> bool:
    return category in SUBCATEGORIES and (
        subcategory in SUBCATEGORIES[category] or subcategory == _OTHER_OF.format(category)
    )


class ServiceCategories:
    def __init__(self):
        self._by_service: dict[str, tuple[str, str]] = {}

    def register(self, mapping: dict[str, tuple[str, str]]) -> None:
        wrong = sorted(f"{s}: {c} / {sub}" for s, (c, sub) in mapping.items() if not allowed(c, sub))
        if wrong:
            raise ValueError(f"Not a FOCUS 1.2 service category and subcategory: {'; '.join(wrong)}")
        self._by_service.update(mapping)

    def of(self, service: str) -> tuple[str, str]:
        return self._by_service.get(service, OTHER)

    def as_dict(self) -> dict[str, tuple[str, str]]:
        return dict(self._by_service)


service_categories = ServiceCategories()
