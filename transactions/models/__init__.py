"""The transactions app's data: the ledger (partitioned by month), the files it is fed from, settlement and
reconciliation. See ``docs/transactions.md`` for the model and the reasons behind it."""

from transactions.models.ingest import BankStatementLine, BinRange, ClearingAccount, ClearingRecord, IngestFile
from transactions.models.ledger import Transaction
from transactions.models.recon import InputChange, ReconChunk, ReconException, ReconRun, ReconSummary
from transactions.models.risk import (
           RiskAlert,
           RiskCase,
           RiskEvidence,
           RiskRule,
           RiskRuleVersion,
           RuleKind,
           SettlementHold,
           Severity,
)
from transactions.models.settlement import PayoutFile, SettlementBatch

__all__ = ["BankStatementLine", "BinRange", "ClearingAccount", "ClearingRecord", "IngestFile", "InputChange",
           "PayoutFile", "ReconChunk", "ReconException", "ReconRun", "ReconSummary", "RiskAlert", "RiskCase",
           "RiskEvidence", "RiskRule", "RiskRuleVersion", "RuleKind", "SettlementBatch", "SettlementHold", "Severity",
           "Transaction"]
