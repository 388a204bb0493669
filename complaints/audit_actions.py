"""How the complaints app's audit actions read (``acquirer/audit_text.py``), and which a merchant reads.

Each subdomain keeps its own block; ``ACTIONS``, ``FOR_MERCHANTS`` and ``LABELS`` merge them."""

# complaints (intake, workflow, conversation, SLA) ----------------------------------------------------------------
COMPLAINT_ACTIONS: dict = {}
COMPLAINT_FOR_MERCHANTS: set = set()
COMPLAINT_LABELS: dict = {}
# end of the complaints block -------------------------------------------------------------------------------------

# help centre and training ----------------------------------------------------------------------------------------
HELP_ACTIONS: dict = {}
HELP_FOR_MERCHANTS: set = set()
HELP_LABELS: dict = {}
# end of the help block -------------------------------------------------------------------------------------------

# reports, regulator statistics and settings ----------------------------------------------------------------------
REPORT_ACTIONS: dict = {}
REPORT_FOR_MERCHANTS: set = set()
REPORT_LABELS: dict = {}
# end of the reports block ----------------------------------------------------------------------------------------

ACTIONS = {**COMPLAINT_ACTIONS, **HELP_ACTIONS, **REPORT_ACTIONS}
FOR_MERCHANTS = COMPLAINT_FOR_MERCHANTS | HELP_FOR_MERCHANTS | REPORT_FOR_MERCHANTS
LABELS = {**COMPLAINT_LABELS, **HELP_LABELS, **REPORT_LABELS}
