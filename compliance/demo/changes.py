"""Demo data of regulatory change, access reviews and legal holds (``seed_changes``), through the services so it is
audited like real work. Idempotent: a second run finds what the first made and adds nothing.

* a regulatory change (PBOC amendment of the acquiring measures) with required reading for several staff, partly
  acknowledged, and two tasks, one done;
* this half-year's access review, half done: some accounts confirmed, and the dedicated demo account ``leaver``
  revoked (never a demo login people use); the manager's own account and the rest left to review;
* a legal hold on the onboarding file of the second demo merchant.
"""

import secrets
from datetime import timedelta

from django.utils import timezone

from acquirer import roles as core_roles
from acquirer.models import User
from acquirer.services.accounts import ensure_demo_user
from compliance.models import AccessReview, AccessReviewItem, LegalHold, RegulatoryChange, Requirement
from compliance.selectors.reviews import half_year
from compliance.services import changes as change_svc
from compliance.services import retention as retention_svc
from compliance.services import reviews as review_svc

TITLE = "支付机构收单业务管理办法修订 / Amendment of the bank-card acquiring measures"
LEAVER = "leaver"


def _change(officer: User, readers: list[User], owners: list[User]) -> RegulatoryChange:
    change = RegulatoryChange.objects.filter(title=TITLE).first()
    today = timezone.localdate()
    if change is None:
        requirements = list(Requirement.objects.order_by("framework_id", "order", "id")[:2])
        change = change_svc.change_create(
            actor=officer, title=TITLE, source="中国人民银行 / People's Bank of China", reference="银发〔2026〕12号",
            link="https://www.pbc.gov.cn/", published_on=today - timedelta(days=40),
            effective_on=today + timedelta(days=50),
            summary="Merchants must be re-identified when their legal representative changes; on-site inspection "
                    "records are kept for five years.",
            impact="Onboarding: a new re-identification step. Inspections: longer record keeping.",
            impact_level="high", affected_processes="Merchant onboarding; on-site inspections",
            reading_due_on=today - timedelta(days=3), requirements=requirements)
        change_svc.change_move(actor=officer, change=change, to=RegulatoryChange.Status.ASSESSING)
    if not change.tasks.exists() and owners:
        first = change_svc.change_task_add(actor=officer, change=change, owner=owners[0],
                                           title="Update the onboarding checklist", due_on=today - timedelta(days=5))
        change_svc.change_task_add(actor=officer, change=change, owner=owners[-1],
                                   title="Brief the field engineers", due_on=today + timedelta(days=20))
        change_svc.change_task_done(actor=owners[0], task=first, note="Checklist v4 published.")
    change_svc.change_reading_assign(actor=officer, change=change, people=readers)  # asks nobody twice
    if not change.readers.filter(acknowledged_at__isnull=False).exists():
        for reader in readers[: max(1, len(readers) // 2)]:
            change_svc.change_acknowledge(actor=reader, change=change)
    return change


def _leaver() -> User:
    user = User.objects.filter(username=LEAVER).first()
    if user is None:
        user, _created = ensure_demo_user(username=LEAVER, password=secrets.token_urlsafe(24), force_password=False,
                                          kind=User.Kind.STAFF, roles=[core_roles.CUSTOMER_SERVICE],
                                          first_name="Demo", last_name="Leaver")
    return user


def _review(manager: User, leaver: User) -> AccessReview:
    review_svc.access_review_schedule()
    period = half_year(timezone.localdate())[0]
    review = AccessReview.objects.get(period=period)
    if review.status != AccessReview.Status.OPEN or review.items.exclude(decision="pending").exists():
        return review  # decided already (a second run)
    item = review.items.filter(user=leaver).first()
    if item is None:  # the campaign was opened before the demo account existed
        item = AccessReviewItem.objects.create(review=review, user=leaver, kind=leaver.kind,
                                               roles=sorted(leaver.groups.values_list("name", flat=True)),
                                               last_login=leaver.last_login)
    review_svc.access_review_decide(actor=manager, item=item, decision=AccessReviewItem.Decision.REVOKED,
                                    note="Left the company (demo account).")
    others = list(review.items.filter(decision="pending").exclude(user=manager).order_by("user__username"))
    for other in others[: len(others) // 2]:
        review_svc.access_review_decide(actor=manager, item=other, decision=AccessReviewItem.Decision.CONFIRMED)
    return review


def _hold(officer: User, merchant_id: int | None) -> None:
    if merchant_id is None or LegalHold.objects.filter(merchant_id=merchant_id, released_at__isnull=True).exists():
        return
    retention_svc.legal_hold_place(actor=officer, matter="Merchant dispute 2026-0007",
                                   reason="Litigation with the merchant over chargebacks: keep its file.",
                                   merchant=str(merchant_id), record_type="merchant_file")


def seed_changes(*, staff: dict) -> None:
    """``staff`` maps demo login names to users: "compliance" (compliance officer) and "ops" (operations manager)
    are needed; the others ("reviewer", "engineer", "risk", "service", "servicelead") are readers and task owners.
    The legal hold goes on the merchant of the demo login "merchant2"."""
    officer, manager = staff["compliance"], staff["ops"]
    others = [user for key, user in staff.items() if key not in ("compliance", "ops") and user is not None]
    _change(officer, readers=[*others, manager], owners=others[:2] or [officer])
    _review(manager, _leaver())
    merchant_user = User.objects.filter(username="merchant2").first()
    _hold(officer, merchant_user.merchant_id if merchant_user else None)
