"""POS terminals: catalog, devices and their lifecycle records, field work orders, maintenance tickets,
firmware campaigns, deposits and rent, health flags. See docs/terminals.md for the model and the moves.

One module per subdomain; every model is importable from ``terminals.models`` (migrations and the rest of
the code use that path)."""

from terminals.models.firmware import CampaignTarget, FirmwareCampaign, FirmwareVersion
from terminals.models.health import HealthFlag
from terminals.models.lifecycle import Installation, ParameterChange, Shipment, SiteSurvey, TerminalTest
from terminals.models.money import DepositMovement, RentCharge
from terminals.models.registry import (
    TERMINAL_STATUSES,
    Capability,
    Communication,
    FormFactor,
    IntakeBatch,
    Terminal,
    TerminalModel,
    TerminalPhoto,
)
from terminals.models.tickets import SparePartUse, Ticket
from terminals.models.workorders import WorkOrder

__all__ = [
    "TERMINAL_STATUSES", "Capability", "CampaignTarget", "Communication", "DepositMovement", "FirmwareCampaign",
    "FirmwareVersion", "FormFactor", "HealthFlag", "Installation", "IntakeBatch", "ParameterChange", "RentCharge",
    "Shipment", "SiteSurvey", "SparePartUse", "Terminal", "TerminalModel", "TerminalPhoto", "TerminalTest", "Ticket",
    "WorkOrder",
]
