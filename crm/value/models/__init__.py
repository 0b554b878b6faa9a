"""Consent, value scores and segments, care dates, offers and erasures.

One module per part; every model is imported here, so importing ``crm.value.models``
registers them all (migrations compare them all).
"""

from crm.value.models.care import CARE_LABELS, DATED_KINDS, CareDate, CareKind, CarePlan
from crm.value.models.consent import (
    CHANNEL_LABELS,
    SOURCE_LABELS,
    ConsentChannel,
    ConsentEvent,
    ConsentSource,
)
from crm.value.models.erasures import AuditRedaction, Erasure
from crm.value.models.offers import OFFER_STATUS_LABELS, Offer, OfferRule, OfferStatus
from crm.value.models.scores import CustomerValue, SegmentMonth, SegmentRule, ValueRun, ValueSetting

__all__ = [
    "CARE_LABELS",
    "CHANNEL_LABELS",
    "DATED_KINDS",
    "OFFER_STATUS_LABELS",
    "SOURCE_LABELS",
    "AuditRedaction",
    "CareDate",
    "CareKind",
    "CarePlan",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentSource",
    "CustomerValue",
    "Erasure",
    "Offer",
    "OfferRule",
    "OfferStatus",
    "SegmentMonth",
    "SegmentRule",
    "ValueRun",
    "ValueSetting",
]
