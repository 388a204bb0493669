"""What each staff role may do with terminals (applied by migrations and ``acquirer.roles.sync``)."""

from acquirer import roles

READ = ["view_terminalmodel", "view_terminal", "view_terminalphoto", "view_intakebatch", "view_sitesurvey",
        "view_shipment", "view_installation", "view_terminaltest", "view_parameterchange", "view_workorder",
        "view_ticket", "view_sparepartuse", "view_firmwareversion", "view_firmwarecampaign", "view_campaigntarget",
        "view_depositmovement", "view_rentcharge", "view_healthflag"]

ROLE_GRANTS = {
    roles.ONBOARDING_REVIEWER: ["view_terminalmodel", "view_terminal"],
    roles.FIELD_ENGINEER: [*READ, "field_work", "handle_ticket"],
    roles.RISK_ANALYST: [*READ, "activate_terminal"],
    roles.CUSTOMER_SERVICE: [*READ, "handle_ticket"],
    roles.COMPLIANCE_OFFICER: [*READ],
    roles.OPERATIONS_MANAGER: [*READ, "manage_stock", "allocate_terminal", "field_work", "activate_terminal",
                               "approve_parameter_change", "manage_firmware", "manage_terminal_money",
                               "retire_terminal", "dispatch_work_order", "handle_ticket"],
}
