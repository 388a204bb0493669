"""Who may do what with a merchant, as data (``acquirer/policy.py``): the merchant "360" page renders its
buttons from :func:`merchant_actions`, and the services in ``merchants/services/applications.py`` guard the
same moves with ``policy.require(actor, ACTIONS[name])`` (the status part stays with ``MERCHANT_MOVES``, which
``advance`` enforces on the locked row). The KYC documents, inspections and secrets are not status moves: their
services ask the actions below and keep their own refusal text."""

from django.utils.translation import gettext_lazy as _

from acquirer.policy import Action, allows, available_actions
from merchants import roles
from merchants.models import Merchant
from merchants.workflow import EDITABLE, MERCHANT_MOVES

M = Merchant.Status
OPEN_APPLICATION = frozenset({M.SUBMITTED, M.UNDER_REVIEW, M.INFO_REQUESTED})
NOT_CLOSED = frozenset(set(M.values) - {M.REJECTED, M.TERMINATED})


def _into(status) -> frozenset:
    """The statuses from which the move table allows ``status``."""
    return frozenset(source for source, targets in MERCHANT_MOVES.items() if status in targets)


ACTIONS = {action.name: action for action in (
    Action("submit", roles.REVIEW, from_statuses=_into(M.SUBMITTED), label=_("Submit"),
           what=_("submitting the application"), audit_action="merchant.submitted"),
    Action("start_review", roles.REVIEW, from_statuses=frozenset({M.SUBMITTED}), label=_("Start review"),
           what=_("starting the review"), audit_action="merchant.review_started"),
    Action("decide", roles.REVIEW, from_statuses=frozenset({M.UNDER_REVIEW}), label=_("Decide"),
           what=_("a review decision")),
    Action("go_live", roles.MANAGE_CONTRACTS, from_statuses=frozenset({M.APPROVED}), label=_("Activate"),
           what=_("going live"), audit_action="merchant.activated"),
    Action("reactivate", roles.REACTIVATE, from_statuses=frozenset({M.SUSPENDED}), label=_("Reactivate"),
           what=_("reactivation"), audit_action="merchant.reactivated"),
    Action("suspend", roles.SUSPEND, from_statuses=_into(M.SUSPENDED), label=_("Suspend"),
           what=_("suspension"), audit_action="merchant.suspended"),
    Action("terminate", roles.TERMINATE, from_statuses=_into(M.TERMINATED), label=_("Terminate"),
           what=_("termination"), audit_action="merchant.terminated"),
    Action("assign", roles.REVIEW, from_statuses=OPEN_APPLICATION, label=_("Assign"),
           what=_("assigning a reviewer"), audit_action="merchant.assigned"),
    Action("risk_refresh", roles.REVIEW, from_statuses=NOT_CLOSED, label=_("Rate the risk again"),
           what=_("rating the risk"), audit_action="merchant.risk_rated"),
    Action("risk_override", roles.OVERRIDE_RISK, from_statuses=NOT_CLOSED, label=_("Override the risk rating"),
           what=_("overriding the risk rating"), audit_action="merchant.risk_overridden"),
    Action("edit", roles.REVIEW, from_statuses=frozenset(EDITABLE), label=_("Edit on behalf"),
           what=_("editing the application"), audit_action="merchant.application_updated"),
)}


def merchant_actions(actor, merchant) -> dict:
    """The moves ``actor`` may take on ``merchant`` now, by name; ``activate`` covers going live and
    reactivating (one button on the page)."""
    actions = available_actions(actor, merchant, ACTIONS.values())
    if "go_live" in actions or "reactivate" in actions:
        actions["activate"] = actions.get("go_live") or actions.get("reactivate")
    return actions


# --- documents, inspections, secrets and the contract acceptance ---------------------------------

def _own_merchant_only(refusal):
    """A rule: a merchant user acts only on its own merchant's rows; ``refusal`` otherwise."""
    def rule(actor, obj) -> str | None:
        return None if actor.merchant_id == obj.merchant_id else refusal
    return rule


UPLOAD_DOCUMENT_ON_BEHALF = Action("upload_document", roles.REVIEW)
DECIDE_DOCUMENT = Action("decide_document", roles.REVIEW)
# One move, one Action per kind of user: staff need the permission, auditors read everything, a merchant
# user reads its own merchant's documents.
READ_DOCUMENT = (
    Action("read_document", roles.VIEW_DOCUMENT),
    Action("read_document", kinds=frozenset({"auditor"})),
    Action("read_document", kinds=frozenset({"merchant"}),
           rule=_own_merchant_only(_("You may not download this document."))),
)
RECORD_INSPECTION = Action("record_inspection", roles.INSPECT)
READ_INSPECTION = (
    Action("read_inspection", roles.VIEW_INSPECTION),
    Action("read_inspection", kinds=frozenset({"auditor"})),
)
REVEAL_SECRET = Action("reveal_secret", roles.VIEW_SECRETS)
ACCEPT_CONTRACT = Action("accept_contract", kinds=frozenset({"merchant"}),
                         rule=_own_merchant_only(_("Only a user of the merchant can accept its contract.")))


def allows_any(actor, actions, obj=None) -> bool:
    """Whether one of ``actions`` (the same move for different kinds of user) allows ``actor`` on ``obj``."""
    return any(allows(actor, action, obj) for action in actions)
