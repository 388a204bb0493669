"""Allowed moves of the merchant, contract and settlement-account state machines (data, not code)."""

from merchants.models import Contract, Merchant, SettlementAccount

M = Merchant.Status
MERCHANT_MOVES = {
    M.DRAFT: {M.SUBMITTED},
    M.SUBMITTED: {M.UNDER_REVIEW},
    M.UNDER_REVIEW: {M.INFO_REQUESTED, M.APPROVED, M.REJECTED},
    M.INFO_REQUESTED: {M.SUBMITTED},
    M.APPROVED: {M.ACTIVE, M.TERMINATED},
    M.ACTIVE: {M.SUSPENDED, M.TERMINATED},
    M.SUSPENDED: {M.ACTIVE, M.TERMINATED},
    M.REJECTED: set(),
    M.TERMINATED: set(),
}
# While the application is with the merchant, it may edit it.
EDITABLE = {M.DRAFT, M.INFO_REQUESTED}

C = Contract.Status
CONTRACT_MOVES = {
    C.DRAFT: {C.OFFERED, C.WITHDRAWN},
    C.OFFERED: {C.ACCEPTED, C.WITHDRAWN},
    C.ACCEPTED: {C.ACTIVE, C.WITHDRAWN},
    C.ACTIVE: {C.SUPERSEDED, C.TERMINATED},
    C.SUPERSEDED: set(),
    C.TERMINATED: set(),
    C.WITHDRAWN: set(),
}

S = SettlementAccount.Status
SETTLEMENT_MOVES = {
    S.PENDING: {S.VERIFIED, S.REJECTED},
    S.VERIFIED: {S.ACTIVE, S.REJECTED},
    S.ACTIVE: {S.REPLACED},
    S.REJECTED: set(),
    S.REPLACED: set(),
}
