"""Allowed moves of the terminal, work order, ticket, parameter change and firmware campaign state
machines (data, not code). Each move has one service; the service checks the actor and the guards."""

from terminals.models import FirmwareCampaign, ParameterChange, RentCharge, Terminal, Ticket, WorkOrder

T = Terminal.Status
TERMINAL_MOVES = {
    # in stock -> allocated (approved merchant with a contract in force); a swap installs a stock
    # terminal directly in place of a faulty one (terminal_swap); scrapping unused stock.
    T.IN_STOCK: {T.ALLOCATED, T.INSTALLED, T.RETIRED},
    # survey feasible -> surveyed; infeasible or cancelled -> back to stock
    T.ALLOCATED: {T.SURVEYED, T.IN_STOCK},
    T.SURVEYED: {T.SHIPPED, T.IN_STOCK},
    # delivered; lost in transit -> back to stock (after it is found) ...
    T.SHIPPED: {T.DELIVERED, T.IN_STOCK},
    # ... arrival inspection: damaged -> returned to stock
    T.DELIVERED: {T.INSTALLED, T.IN_STOCK},
    # a passed test -> tested; the installation can be undone (retrieved to stock)
    T.INSTALLED: {T.TESTED, T.IN_STOCK},
    T.TESTED: {T.ACTIVE, T.INSTALLED},
    T.ACTIVE: {T.SUSPENDED, T.UNDER_REPAIR, T.IN_STOCK},
    T.SUSPENDED: {T.ACTIVE, T.UNDER_REPAIR, T.IN_STOCK},
    # repaired on site and back in service, refurbished to stock, or scrapped
    T.UNDER_REPAIR: {T.ACTIVE, T.IN_STOCK, T.RETIRED},
    T.RETIRED: set(),
}
# Statuses in which the terminal is at (or on its way to) the merchant: parameters are locked.
LIVE = {T.ACTIVE, T.SUSPENDED}
# A terminal can be deleted only before anything happened to it (in stock, never placed).
DELETABLE = {T.IN_STOCK}

W = WorkOrder.Status
WORK_ORDER_MOVES = {
    W.OPEN: {W.ASSIGNED, W.CANCELLED},
    W.ASSIGNED: {W.IN_PROGRESS, W.CANCELLED},  # re-assignment keeps the status (work_order_assign)
    W.IN_PROGRESS: {W.DONE, W.CANCELLED},
    W.DONE: set(),
    W.CANCELLED: set(),
}

K = Ticket.Status
# A fault can be reported on a terminal that is at the merchant (installed onwards, until it leaves).
TICKET_PLACED = {T.INSTALLED, T.TESTED, T.ACTIVE, T.SUSPENDED}
# Tickets whose clocks run (not resolved, not closed).
OPEN_TICKET_STATUSES = {K.OPEN, K.DIAGNOSING, K.DISPATCHED}
TICKET_MOVES = {
    K.OPEN: {K.DIAGNOSING, K.DISPATCHED, K.RESOLVED},
    K.DIAGNOSING: {K.DISPATCHED, K.RESOLVED},
    K.DISPATCHED: {K.RESOLVED},
    K.RESOLVED: {K.CLOSED, K.OPEN},  # the merchant confirms, or reopens
    K.CLOSED: set(),
}

P = ParameterChange.Status
PARAMETER_CHANGE_MOVES = {P.PENDING: {P.APPROVED, P.REJECTED}, P.APPROVED: set(), P.REJECTED: set()}

F = FirmwareCampaign.Status
CAMPAIGN_MOVES = {
    F.PLANNED: {F.RUNNING, F.CANCELLED},
    F.RUNNING: {F.FINISHED, F.CANCELLED},
    F.FINISHED: set(),
    F.CANCELLED: set(),
}

R = RentCharge.Status
# A rent charge is paid or waived once.
# A charge created wrongly (or paid and owed back) is credited back by an operations manager.
RENT_MOVES = {R.DUE: {R.PAID, R.WAIVED, R.CREDITED}, R.PAID: {R.CREDITED}, R.WAIVED: set(), R.CREDITED: set()}
