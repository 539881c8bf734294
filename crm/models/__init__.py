from crm.models.billing import Invoice, InvoiceLine, InvoiceSequence, Payment, Service, ServiceDelivery
from crm.models.imports import ImportBatch
from crm.models.interactions import FollowUp, Interaction
from crm.models.organisations import (
    Affiliation,
    Contact,
    LegalForm,
    Organisation,
    Tag,
    TargetGroup,
    Theme,
    Visibility,
)
from crm.models.plans import EngagementPlan, EngagementStep
from crm.models.privacy import Erasure

__all__ = [
    "Affiliation",
    "Contact",
    "EngagementPlan",
    "EngagementStep",
    "Erasure",
    "FollowUp",
    "ImportBatch",
    "Interaction",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "LegalForm",
    "Organisation",
    "Payment",
    "Service",
    "ServiceDelivery",
    "Tag",
    "TargetGroup",
    "Theme",
    "Visibility",
]
