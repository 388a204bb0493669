"""Complaints, their SLA clocks and conversation, the help centre and merchant training (issue #14).

See ``docs/complaints.md`` for the data model and the reasons behind it."""

from complaints.models.complaints import (
    Complaint,
    ComplaintAttachment,
    ComplaintEscalation,
    ComplaintMessage,
    ComplaintNote,
    ComplaintPause,
)
from complaints.models.help import Article, ArticleVote
from complaints.models.reports import RegulatorReport
from complaints.models.taxonomy import CannedResponse, Category, RootCause, SlaPolicy
from complaints.models.training import TrainingSession, TrainingSignup

__all__ = [
    "Article", "ArticleVote", "CannedResponse", "Category", "Complaint", "ComplaintAttachment", "ComplaintEscalation",
    "ComplaintMessage", "ComplaintNote", "ComplaintPause", "RegulatorReport", "RootCause", "SlaPolicy",
    "TrainingSession", "TrainingSignup",
]
