"""The complaint's allowed status moves (data; ``acquirer.workflow.advance`` enforces them)."""

from complaints.models import Complaint

S = Complaint.Status

MOVES = {
    S.NEW: {S.ACKNOWLEDGED, S.REJECTED, S.RESOLVED},
    S.ACKNOWLEDGED: {S.INVESTIGATING, S.WAITING, S.RESOLVED, S.REJECTED},
    S.INVESTIGATING: {S.WAITING, S.RESOLVED, S.REJECTED},
    S.WAITING: {S.INVESTIGATING, S.RESOLVED},
    S.RESOLVED: {S.CLOSED, S.INVESTIGATING},  # reopened within the reopen window
    S.CLOSED: {S.INVESTIGATING},  # reopened within the reopen window
    S.REJECTED: set(),
}
