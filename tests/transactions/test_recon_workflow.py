"""Reconciliation breaks as work items: every allowed move succeeds, every other one is refused, four eyes above
the configured amount (never the proposer), every move audited with its sentence."""

from datetime import date, timedelta

import pytest

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted, TransitionNotAllowed
from acquirer.models import AuditEvent
from tests.factories import make_user
from tests.transactions.recon_factories import make_clearing, make_ingest_file
from transactions.models import ReconException
from transactions.services import recon as svc
from transactions.workflow import EXCEPTION_MOVES

E = ReconException.Status
DAY = date.today() - timedelta(days=2)


@pytest.fixture
def people(users):
    return {"handler": users[roles.RISK_ANALYST], "manager": users[roles.OPERATIONS_MANAGER],
            "second": make_user(username="secondmanager", roles=[roles.OPERATIONS_MANAGER]),
            "reader": users[roles.COMPLIANCE_OFFICER]}


def _break(difference: int = 500, status: str = E.OPEN, **fields) -> ReconException:
    """A missing-ours break of ``difference`` fen, put straight into ``status``."""
    file = make_ingest_file(business_date=DAY)
    make_clearing(ingest_file=file, local_date=DAY, mid="898290058129999", tid="00009999",
                  rrn=f"X{ReconException.objects.count():011d}", amount_minor=difference)
    run = svc.recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    exception = ReconException.objects.filter(run=run).latest("id")
    ReconException.objects.filter(pk=exception.pk).update(status=status, **fields)
    exception.refresh_from_db()
    return exception


MOVES = {
    "take": lambda p, e: svc.recon_exception_take(actor=p["handler"], exception=e),
    "assign": lambda p, e: svc.recon_exception_assign(actor=p["manager"], exception=e, assignee=p["handler"]),
    "propose": lambda p, e: svc.recon_exception_propose(actor=p["handler"], exception=e, resolution="write_off",
                                                        note="bank charge written off"),
    "approve": lambda p, e: svc.recon_exception_approve(actor=p["second"], exception=e),
    "reject": lambda p, e: svc.recon_exception_reject(actor=p["second"], exception=e, reason="evidence missing"),
}
# (status the move starts from) -> status it leads to, for a break above the four-eyes amount
ALLOWED = {
    ("take", E.OPEN): E.INVESTIGATING,
    ("assign", E.OPEN): E.INVESTIGATING,
    ("assign", E.INVESTIGATING): E.INVESTIGATING,
    ("propose", E.INVESTIGATING): E.PROPOSED,
    ("approve", E.PROPOSED): E.RESOLVED,
    ("reject", E.PROPOSED): E.INVESTIGATING,
}


@pytest.mark.django_db
@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("status", E.values)
def test_each_move_from_each_status(people, move, status, settings):
    settings.ACQUIRER_RECON_FOUR_EYES_MINOR = 100
    proposer = people["manager"] if status == E.PROPOSED else None
    exception = _break(difference=5000, status=status, proposed_by=proposer)
    if (move, status) in ALLOWED:
        MOVES[move](people, exception)
        exception.refresh_from_db()
        assert exception.status == ALLOWED[(move, status)]
        assert AuditEvent.objects.filter(target_id=str(exception.pk), action__startswith="recon_exception.").exists()
    else:
        with pytest.raises(TransitionNotAllowed):
            MOVES[move](people, exception)
        exception.refresh_from_db()
        assert exception.status == status


def test_the_move_table_is_what_the_services_allow():
    assert EXCEPTION_MOVES[E.RESOLVED] == set() and EXCEPTION_MOVES[E.SUPERSEDED] == set()
    assert {to for (move, status), to in ALLOWED.items() if status == E.OPEN} <= EXCEPTION_MOVES[E.OPEN]


@pytest.mark.django_db
def test_a_small_break_is_resolved_by_the_handler_alone(people):
    exception = _break(difference=100000)  # exactly the four-eyes amount: at or below resolves directly
    svc.recon_exception_take(actor=people["handler"], exception=exception)
    svc.recon_exception_propose(actor=people["handler"], exception=exception, resolution="accepted",
                                note="timing difference, cleared next day")
    exception.refresh_from_db()
    assert exception.status == E.RESOLVED and exception.resolved_at and exception.approved_by is None
    assert exception.assigned_to == people["handler"] and exception.resolution == "accepted"
    event = AuditEvent.objects.get(action="recon_exception.resolved", target_id=str(exception.pk))
    assert event.data["note"] == "timing difference, cleared next day"


@pytest.mark.django_db
def test_a_large_break_needs_a_second_person_never_the_proposer(people):
    exception = _break(difference=100001)
    svc.recon_exception_take(actor=people["manager"], exception=exception)
    svc.recon_exception_propose(actor=people["manager"], exception=exception, resolution="adjustment",
                                note="terminal keyed 1,000.01 twice", amount_minor=-100001)
    exception.refresh_from_db()
    assert exception.status == E.PROPOSED and exception.resolution_minor == -100001
    with pytest.raises(DomainError, match="Four eyes"):
        svc.recon_exception_approve(actor=people["manager"], exception=exception)
    with pytest.raises(NotPermitted):  # a handler without the approval permission
        svc.recon_exception_approve(actor=people["handler"], exception=exception)
    exception.refresh_from_db()
    assert exception.status == E.PROPOSED
    svc.recon_exception_approve(actor=people["second"], exception=exception)
    exception.refresh_from_db()
    assert exception.status == E.RESOLVED and exception.approved_by == people["second"]
    assert AuditEvent.objects.filter(action="recon_exception.approved", actor=people["second"]).exists()


@pytest.mark.django_db
def test_a_rejected_proposal_goes_back_to_investigation_with_the_reason(people):
    exception = _break(difference=200000)
    svc.recon_exception_take(actor=people["handler"], exception=exception)
    svc.recon_exception_propose(actor=people["handler"], exception=exception, resolution="write_off",
                                note="cannot be recovered")
    with pytest.raises(DomainError):
        svc.recon_exception_reject(actor=people["second"], exception=exception, reason="no")
    svc.recon_exception_reject(actor=people["second"], exception=exception, reason="ask the network first")
    exception.refresh_from_db()
    assert exception.status == E.INVESTIGATING and exception.proposed_by is None and exception.resolution == ""
    event = AuditEvent.objects.get(action="recon_exception.rejected")
    assert event.data["reason"] == "ask the network first"


@pytest.mark.django_db
def test_proposals_are_checked(people):
    exception = _break(status=E.INVESTIGATING)
    for kwargs in ({"resolution": "nonsense", "note": "long enough"}, {"resolution": "write_off", "note": "no"},
                   {"resolution": "adjustment", "note": "long enough"}):
        with pytest.raises(DomainError):
            svc.recon_exception_propose(actor=people["handler"], exception=exception, **kwargs)


@pytest.mark.django_db
def test_roles_without_the_permission_are_refused(people):
    exception = _break()
    with pytest.raises(NotPermitted):
        svc.recon_exception_take(actor=people["reader"], exception=exception)
    with pytest.raises(DomainError):  # the assignee must handle breaks
        svc.recon_exception_assign(actor=people["manager"], exception=exception, assignee=people["reader"])
    exception.refresh_from_db()
    assert exception.status == E.OPEN
