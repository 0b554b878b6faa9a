"""QA spot checks (质检抽查): versioned scorecards, sample draws, reviews with their revisions,
disputes, calibration sessions, the training loop and the kept quarterly reports.

One module per part; every model is imported here, so importing ``crm.qa.models`` registers
them all (relationships name each other across modules, and migrations compare them all).
"""

from crm.qa.models.disputes import DISPUTE_LABELS, Dispute, DisputeItem, DisputeStatus
from crm.qa.models.reports import QuarterlyReport
from crm.qa.models.reviews import (
    EDITABLE_STATUSES,
    REASON_LABELS,
    SCORED_STATUSES,
    STATUS_LABELS,
    CalibrationSession,
    Reason,
    Review,
    ReviewRevision,
    ReviewScore,
    ReviewStatus,
    SampleDraw,
)
from crm.qa.models.scorecards import (
    SCALE_LABELS,
    STYLE_LABELS,
    Criterion,
    Scale,
    Scorecard,
    ScorecardVersion,
    Style,
)
from crm.qa.models.training import TrainingAssignment, TrainingRule

__all__ = [
    "DISPUTE_LABELS",
    "EDITABLE_STATUSES",
    "REASON_LABELS",
    "SCALE_LABELS",
    "SCORED_STATUSES",
    "STATUS_LABELS",
    "STYLE_LABELS",
    "CalibrationSession",
    "Criterion",
    "Dispute",
    "DisputeItem",
    "DisputeStatus",
    "QuarterlyReport",
    "Reason",
    "Review",
    "ReviewRevision",
    "ReviewScore",
    "ReviewStatus",
    "SampleDraw",
    "Scale",
    "Scorecard",
    "ScorecardVersion",
    "Style",
    "TrainingAssignment",
    "TrainingRule",
]
