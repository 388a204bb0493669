"""What each staff role may do in compliance (applied by migrations and ``acquirer.roles.sync``). Auditors read
everything in the audit area through ``access.scope`` and change nothing."""

from acquirer import roles

# Permissions, named once (services, policy and templates ask these, never string literals).
VIEW_LIBRARY = "compliance.view_framework"
MANAGE_LIBRARY = "compliance.manage_library"
VIEW_ASSESSMENT = "compliance.view_assessment"
RUN_ASSESSMENT = "compliance.run_assessment"
ANSWER_ASSESSMENT = "compliance.answer_assessment"
VIEW_FINDING = "compliance.view_finding"
MANAGE_FINDING = "compliance.manage_finding"
REMEDIATE_FINDING = "compliance.remediate_finding"
ACCEPT_RISK = "compliance.accept_risk"
VIEW_INSPECTION = "compliance.view_inspection"
MANAGE_INSPECTION = "compliance.manage_inspection"
VIEW_CHANGE = "compliance.view_regulatorychange"
MANAGE_CHANGE = "compliance.manage_regulatorychange"
VIEW_ACCESS_REVIEW = "compliance.view_accessreview"
REVIEW_ACCESS = "compliance.review_access"
VIEW_RETENTION = "compliance.view_retentionrule"
MANAGE_RETENTION = "compliance.manage_retention"
VIEW_LEGAL_HOLD = "compliance.view_legalhold"
MANAGE_LEGAL_HOLD = "compliance.manage_legalhold"
DISPOSE_RECORD = "compliance.dispose_record"
VIEW_EARLY_WARNING = "compliance.view_early_warning"

LIBRARY_READ = ["view_framework", "view_requirement", "view_control"]
# every member of staff answers the items assigned to them, rectifies the findings they own and acknowledges the
# reading they are given: they read the library, the assessments and findings (the pages narrow to their own work)
EVERYONE = [*LIBRARY_READ, "view_assessment", "view_assessmentitem", "view_evidence", "answer_assessment",
            "view_finding", "remediate_finding", "view_regulatorychange", "view_changetask"]
READ_ALL = [*EVERYONE, "view_checklisttemplate", "view_inspection", "view_inspectiondocument",
            "view_readingacknowledgement", "view_accessreview", "view_accessreviewitem", "view_retentionrule",
            "view_legalhold", "view_early_warning"]

ROLE_GRANTS = {
    roles.COMPLIANCE_OFFICER: [*READ_ALL, "manage_library", "run_assessment", "manage_finding", "manage_inspection",
                               "manage_regulatorychange", "manage_retention", "manage_legalhold"],
    roles.OPERATIONS_MANAGER: [*READ_ALL, "run_assessment", "manage_finding", "accept_risk", "review_access",
                               "dispose_record"],
    roles.RISK_ANALYST: [*EVERYONE],
    roles.ONBOARDING_REVIEWER: [*EVERYONE],
    roles.FIELD_ENGINEER: [*EVERYONE],
    roles.CUSTOMER_SERVICE: [*EVERYONE],
    roles.CUSTOMER_SERVICE_LEAD: [*EVERYONE],
}
