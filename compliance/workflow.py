"""The allowed status moves of compliance records (data; ``acquirer.workflow.advance`` enforces them)."""

from compliance.models import Assessment, Finding, Inspection, RegulatoryChange

A = Assessment.Status
ASSESSMENT_MOVES = {
    A.OPEN: {A.IN_REVIEW, A.CANCELLED},
    A.IN_REVIEW: {A.SIGNED_OFF, A.OPEN},  # back to open when the reviewer sends items back
    A.SIGNED_OFF: set(),
    A.CANCELLED: set(),
}

F = Finding.Status
FINDING_MOVES = {
    F.IDENTIFIED: {F.CONFIRMED, F.CLOSED, F.RISK_ACCEPTED},  # closed straight away: not a finding after all
    F.CONFIRMED: {F.IN_PROGRESS, F.RISK_ACCEPTED},
    F.IN_PROGRESS: {F.REMEDIATED, F.RISK_ACCEPTED},
    F.REMEDIATED: {F.VERIFIED, F.IN_PROGRESS},  # verification may send it back
    F.VERIFIED: {F.CLOSED},
    F.CLOSED: set(),
    F.RISK_ACCEPTED: {F.IN_PROGRESS},  # when the acceptance expires or is withdrawn
}

I = Inspection.Status  # noqa: E741
INSPECTION_MOVES = {
    I.ANNOUNCED: {I.ON_SITE, I.CLOSED},
    I.ON_SITE: {I.AWAITING_REPORT, I.CLOSED},
    I.AWAITING_REPORT: {I.REPORT_SUBMITTED},
    I.REPORT_SUBMITTED: {I.CLOSED},
    I.CLOSED: set(),
}

C = RegulatoryChange.Status
CHANGE_MOVES = {
    C.NEW: {C.ASSESSING, C.IMPLEMENTING, C.DONE},
    C.ASSESSING: {C.IMPLEMENTING, C.DONE},
    C.IMPLEMENTING: {C.DONE},
    C.DONE: set(),
}
