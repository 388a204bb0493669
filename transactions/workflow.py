"""Allowed moves of the transactions app's state machines (data, not code). Each move has one service; the
service checks the actor and the guards (``transactions/policy.py``)."""

from transactions.models import ReconException, ReconRun

R = ReconRun.Status
# A run is queued, its chunks run, it is done (or failed); a later run over different inputs for the same side and
# date supersedes it (kept readable). A failed run is queued again when it is started again with the same inputs.
RUN_MOVES = {
    R.QUEUED: {R.RUNNING, R.FAILED, R.SUPERSEDED},
    R.RUNNING: {R.DONE, R.FAILED, R.SUPERSEDED},
    R.DONE: {R.SUPERSEDED},
    R.FAILED: {R.QUEUED, R.SUPERSEDED},
    R.SUPERSEDED: set(),
}

E = ReconException.Status
# open -> investigating (taken or assigned) -> proposed (adjustment / write-off / accepted with a note) -> resolved.
# A proposal at or below the four-eyes amount resolves the break at once (investigating -> resolved); above it a
# second person approves (proposed -> resolved) or rejects it (proposed -> investigating). A break still unresolved
# when a later run supersedes its run is superseded (the later run finds it again if it is still there).
EXCEPTION_MOVES = {
    E.OPEN: {E.INVESTIGATING, E.SUPERSEDED},
    E.INVESTIGATING: {E.PROPOSED, E.RESOLVED, E.SUPERSEDED},
    E.PROPOSED: {E.RESOLVED, E.INVESTIGATING, E.SUPERSEDED},
    E.RESOLVED: set(),
    E.SUPERSEDED: set(),
}
# Breaks somebody still has to work on.
UNRESOLVED = {E.OPEN, E.INVESTIGATING, E.PROPOSED}

# --- risk cases and settlement holds (issue #13, helper B) ------------------------------------------------------
from transactions.models import RiskCase, SettlementHold  # noqa: E402 - kept inside this block for the merge

C = RiskCase.Status
# open -> investigating (taken or assigned) -> decided: confirmed / false positive / escalated. An escalated case
# is decided again (confirmed or false positive) by whoever it was escalated to; a decided case is closed.
CASE_MOVES = {
    C.OPEN: {C.INVESTIGATING},
    C.INVESTIGATING: {C.CONFIRMED, C.FALSE_POSITIVE, C.ESCALATED},
    C.ESCALATED: {C.CONFIRMED, C.FALSE_POSITIVE},
    C.CONFIRMED: {C.CLOSED},
    C.FALSE_POSITIVE: {C.CLOSED},
    C.CLOSED: set(),
}
# Cases somebody still works on (evidence may be added).
CASE_WORKING = {C.OPEN, C.INVESTIGATING, C.ESCALATED}

H = SettlementHold.Status
# A hold keeps money back while active or while its release waits for a second person; a rejected request makes it
# active again; released is final (its kept-back money is paid with the merchant's next batch).
HOLD_MOVES = {
    H.ACTIVE: {H.RELEASE_REQUESTED},
    H.RELEASE_REQUESTED: {H.RELEASED, H.ACTIVE},
    H.RELEASED: set(),
}
HOLD_KEEPING = {H.ACTIVE, H.RELEASE_REQUESTED}
