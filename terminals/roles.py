"""What each staff role may do with terminals (applied by migrations and ``acquirer.roles.sync``)."""

from acquirer import roles

# Permissions, named once (services, policy and templates ask these, never string literals).
MANAGE_STOCK = "terminals.manage_stock"
ALLOCATE = "terminals.allocate_terminal"
FIELD_WORK = "terminals.field_work"
ACTIVATE = "terminals.activate_terminal"
APPROVE_PARAMETERS = "terminals.approve_parameter_change"
MANAGE_FIRMWARE = "terminals.manage_firmware"
MANAGE_MONEY = "terminals.manage_terminal_money"
RETIRE = "terminals.retire_terminal"
DISPATCH = "terminals.dispatch_work_order"
HANDLE_TICKET = "terminals.handle_ticket"
VIEW_TERMINAL = "terminals.view_terminal"
VIEW_PHOTO = "terminals.view_terminalphoto"
VIEW_WORK_ORDER = "terminals.view_workorder"
VIEW_TICKET = "terminals.view_ticket"
VIEW_FIRMWARE = "terminals.view_firmwareversion"
VIEW_RENT = "terminals.view_rentcharge"
VIEW_HEALTH = "terminals.view_healthflag"
VIEW_TERMINAL_MODEL = "terminals.view_terminalmodel"
VIEW_INTAKE_BATCH = "terminals.view_intakebatch"
VIEW_CAMPAIGN = "terminals.view_firmwarecampaign"

READ = ["view_terminalmodel", "view_terminal", "view_terminalphoto", "view_intakebatch", "view_sitesurvey",
        "view_shipment", "view_installation", "view_terminaltest", "view_parameterchange", "view_workorder",
        "view_ticket", "view_sparepartuse", "view_firmwareversion", "view_firmwarecampaign", "view_campaigntarget",
        "view_depositmovement", "view_rentcharge", "view_healthflag"]

ROLE_GRANTS = {
    roles.ONBOARDING_REVIEWER: ["view_terminalmodel", "view_terminal"],
    roles.FIELD_ENGINEER: [*READ, "field_work", "handle_ticket"],
    roles.RISK_ANALYST: [*READ, "activate_terminal"],
    roles.CUSTOMER_SERVICE: [*READ, "handle_ticket"],
    roles.CUSTOMER_SERVICE_LEAD: [*READ, "handle_ticket"],
    roles.COMPLIANCE_OFFICER: [*READ],
    roles.OPERATIONS_MANAGER: [*READ, "manage_stock", "allocate_terminal", "field_work", "activate_terminal",
                               "approve_parameter_change", "manage_firmware", "manage_terminal_money",
                               "retire_terminal", "dispatch_work_order", "handle_ticket"],
}
