"""Who may do what in compliance, as data (``acquirer/policy.py``): each action's permission, the kinds of user who
may take it, the statuses it starts from, its extra rule. Services guard every action with ``policy.require``;
pages ask ``available_actions`` for the buttons. Each subdomain keeps its own block; ``ACTIONS`` merges them."""

from django.utils.translation import gettext as _  # noqa: F401
from django.utils.translation import gettext_lazy  # noqa: F401

from acquirer.policy import Action  # noqa: F401
from compliance import roles  # noqa: F401

STAFF = frozenset({"staff"})

# library and assessments -----------------------------------------------------------------------------------------
LIBRARY_ACTIONS: list = []
# findings and inspections ----------------------------------------------------------------------------------------
FINDING_ACTIONS: list = []
# regulatory change, access reviews, retention ---------------------------------------------------------------------
CHANGE_ACTIONS: list = []
# -------------------------------------------------------------------------------------------------------------------

ACTIONS = {action.name: action for action in (*LIBRARY_ACTIONS, *FINDING_ACTIONS, *CHANGE_ACTIONS)}
