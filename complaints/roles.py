"""What each staff role may do with complaints, the help centre and training (applied by migrations and
``acquirer.roles.sync``)."""

from acquirer import roles

# Permissions, named once (services, policy and templates ask these, never string literals).
VIEW_COMPLAINT = "complaints.view_complaint"
HANDLE_COMPLAINT = "complaints.handle_complaint"
VIEW_REPORT = "complaints.view_complaint_report"
MANAGE_SETTINGS = "complaints.manage_complaint_settings"
VIEW_ARTICLE = "complaints.view_article"
MANAGE_HELP = "complaints.manage_help"
VIEW_TRAINING = "complaints.view_trainingsession"

READ = ["view_complaint", "view_complaintmessage", "view_complaintnote", "view_complaintattachment",
        "view_complaintpause", "view_complaintescalation", "view_category", "view_rootcause", "view_slapolicy",
        "view_cannedresponse"]
HELP_READ = ["view_article", "view_trainingsession", "view_trainingsignup"]

ROLE_GRANTS = {
    roles.CUSTOMER_SERVICE: [*READ, *HELP_READ, "handle_complaint", "manage_help"],
    roles.CUSTOMER_SERVICE_LEAD: [*READ, *HELP_READ, "handle_complaint", "manage_help", "view_complaint_report",
                                  "view_regulatorreport", "manage_complaint_settings"],
    roles.FIELD_ENGINEER: ["view_complaint", "view_category", *HELP_READ],
    roles.RISK_ANALYST: ["view_complaint", "view_category"],
    roles.COMPLIANCE_OFFICER: [*READ, *HELP_READ, "view_complaint_report", "view_regulatorreport"],
    roles.OPERATIONS_MANAGER: [*READ, *HELP_READ, "handle_complaint", "view_complaint_report",
                               "view_regulatorreport", "manage_complaint_settings", "manage_help"],
    roles.ONBOARDING_REVIEWER: [*HELP_READ],
}
