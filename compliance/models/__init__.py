"""The compliance app's models, one module per subdomain (see docs/compliance.md)."""

from compliance.models.assessments import Assessment, AssessmentItem, ChecklistTemplate, Evidence
from compliance.models.changes import ChangeTask, ReadingAcknowledgement, RegulatoryChange
from compliance.models.findings import Finding, FindingReminder, Inspection, InspectionDocument
from compliance.models.library import Control, Framework, Requirement
from compliance.models.retention import LegalHold, RetentionRule
from compliance.models.reviews import AccessReview, AccessReviewItem

__all__ = ["AccessReview", "AccessReviewItem", "Assessment", "AssessmentItem", "ChangeTask", "ChecklistTemplate",
           "Control", "Evidence", "Finding", "FindingReminder", "Framework", "Inspection", "InspectionDocument",
           "LegalHold", "ReadingAcknowledgement", "RegulatoryChange", "Requirement", "RetentionRule"]
