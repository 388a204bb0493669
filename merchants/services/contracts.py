"""Merchant contracts: draft with a fee schedule, offer (the exact text and its SHA-256), acceptance by
the merchant in the portal, countersignature, amendment (a new version), renewal reminders,
termination and withdrawal. Every move goes through ``acquirer.workflow.advance`` and is audited."""

import hashlib
import hmac
import ipaddress
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy, roles
from acquirer.batches import in_batches
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import User
from acquirer.services.notifications import notify, notify_many, notify_role, role_members
from acquirer.workflow import advance
from merchants import roles as merchant_roles
from merchants.models import Contract, ContractFee, Merchant
from merchants.policy import ACCEPT_CONTRACT
from merchants.selectors.merchants import merchant_owner, merchant_owners
from merchants.workflow import CONTRACT_MOVES

C = Contract.Status
CHANNELS = list(ContractFee.Channel.values)
MAX_RATE = Decimal("10")
RATE_STEP = Decimal("0.0001")
CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("1e14")  # 16 digits, 2 of them decimals
# A contract is only drafted or put in force for a merchant that passed review.
CONTRACTABLE = {Merchant.Status.APPROVED, Merchant.Status.ACTIVE, Merchant.Status.SUSPENDED}
TERMS = ("deposit", "monthly_rent", "settlement_cycle", "settlement_method", "start_date", "end_date")
AMENDABLE = {*TERMS, "fees"}
TEMPLATE = "merchants/shared/contract_text.txt"

# The contract is bilingual whatever the reader's language: these labels are part of its text.
CHANNEL_TEXT = {
    "debit": ("借记卡", "Debit card"),
    "credit": ("贷记卡（信用卡）", "Credit card"),
    "unionpay_qr": ("银联二维码", "UnionPay QR"),
    "contactless": ("非接触式（闪付/NFC）", "Contactless / NFC"),
    "other_qr": ("其他二维码", "Other QR"),
}
CYCLE_TEXT = {"T+1": ("T+1（交易日后第一个工作日）", "T+1 (first business day after the transaction day)"),
              "D+0": ("D+0（交易当日）", "D+0 (same calendar day)")}
METHOD_TEXT = {"auto": ("自动划付至结算账户", "automatic transfer to the settlement account"),
               "manual": ("商户主动提现", "manual withdrawal by the merchant")}


# --- helpers ----------------------------------------------------------------------------------



def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=contract.pk)


def _tell_owner(contract: Contract, kind: str, title, body="", params: dict | None = None) -> None:
    owner = merchant_owner(contract.merchant_id)
    if owner is not None:
        notify(recipient=owner, kind=kind, title=title, body=body, params=params or {},
               url=reverse("portal:contract-detail", kwargs={"pk": contract.pk}))


def _decimal(value, message: str) -> Decimal:
    """A finite Decimal; floats are refused (binary fractions are not money)."""
    if isinstance(value, float) or isinstance(value, bool):
        raise DomainError(message)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(message) from None
    if not number.is_finite():
        raise DomainError(message)
    return number


def _money(value, label: str) -> Decimal:
    amount = _decimal(value, _("%(field)s must be an amount of money (a decimal number).") % {"field": label})
    if amount < 0:
        raise DomainError(_("%(field)s cannot be negative.") % {"field": label})
    if amount != amount.quantize(CENT):
        raise DomainError(_("%(field)s has at most 2 decimals (fen).") % {"field": label})
    if amount >= MONEY_LIMIT:
        raise DomainError(_("%(field)s is too large.") % {"field": label})
    return amount.quantize(CENT)


def _fees(fees) -> list[dict]:
    """Exactly one rate per channel, 0 ≤ rate < 10 % with at most 4 decimals; caps ≥ 0."""
    if not isinstance(fees, list | tuple):
        raise DomainError(_("The fee schedule must list every channel."))
    seen: dict[str, dict] = {}
    for fee in fees:
        if not isinstance(fee, dict):
            raise DomainError(_("The fee schedule must list every channel."))
        channel = fee.get("channel")
        if channel not in CHANNELS:
            raise DomainError(_("Unknown payment channel “%(channel)s”.") % {"channel": channel})
        label = ContractFee.Channel(channel).label
        if channel in seen:
            raise DomainError(_("The channel %(channel)s appears twice in the fee schedule.") % {"channel": label})
        rate = _decimal(fee.get("rate_percent"),
                        _("The rate for %(channel)s must be a decimal number.") % {"channel": label})
        if not Decimal("0") <= rate < MAX_RATE:
            raise DomainError(_("The rate for %(channel)s must be at least 0 %% and below 10 %%.")
                              % {"channel": label})
        if rate != rate.quantize(RATE_STEP):
            raise DomainError(_("The rate for %(channel)s has at most 4 decimals.") % {"channel": label})
        cap = fee.get("cap")
        if cap is not None and cap != "":
            cap = _money(cap, _("The cap for %(channel)s") % {"channel": label})
        else:
            cap = None
        seen[channel] = {"channel": channel, "rate_percent": rate.quantize(RATE_STEP), "cap": cap}
    missing = [ContractFee.Channel(c).label for c in CHANNELS if c not in seen]
    if missing:
        raise DomainError(_("The fee schedule has no rate for: %(channels)s.")
                          % {"channels": ", ".join(str(m) for m in missing)})
    return [seen[c] for c in CHANNELS]


def _terms(*, deposit, monthly_rent, settlement_cycle, settlement_method, start_date, end_date) -> dict:
    if settlement_cycle not in Contract.Cycle.values:
        raise DomainError(_("Unknown settlement cycle “%(value)s”.") % {"value": settlement_cycle})
    if settlement_method not in Contract.Method.values:
        raise DomainError(_("Unknown settlement method “%(value)s”.") % {"value": settlement_method})
    if not isinstance(start_date, date) or not isinstance(end_date, date):
        raise DomainError(_("Give the start and end dates of the contract."))
    if end_date <= start_date:
        raise DomainError(_("The end date must be after the start date."))
    return {"deposit": _money(deposit, _("The terminal deposit")),
            "monthly_rent": _money(monthly_rent, _("The monthly terminal rent")),
            "settlement_cycle": settlement_cycle, "settlement_method": settlement_method,
            "start_date": start_date, "end_date": end_date}


def _plain_fees(fees: list[dict]) -> list[dict]:
    return [{"channel": f["channel"], "rate_percent": str(f["rate_percent"]),
             "cap": None if f["cap"] is None else str(f["cap"])} for f in fees]


def _create(*, actor: User, merchant: Merchant, fees, action: str, data: dict | None = None, **terms) -> Contract:
    policy.require_permission(actor, merchant_roles.MANAGE_CONTRACTS)
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)  # serialises version numbers
    if merchant.status not in CONTRACTABLE:
        raise DomainError(_("A contract can only be prepared for an approved, active or suspended merchant "
                            "(this one is %(status)s).") % {"status": merchant.get_status_display()})
    clean_terms = _terms(**terms)
    clean_fees = _fees(fees)
    version = (Contract.objects.filter(merchant=merchant).aggregate(last=Max("version"))["last"] or 0) + 1
    contract = Contract.objects.create(merchant=merchant, version=version, currency=merchant.currency,
                                       created_by=actor, **clean_terms)
    ContractFee.objects.bulk_create([ContractFee(contract=contract, **fee) for fee in clean_fees])
    audit.record(action, actor=actor, target=contract,
                 after={**clean_terms, "version": version, "fees": _plain_fees(clean_fees)}, data=data)
    return contract


# --- drafting ---------------------------------------------------------------------------------

@transaction.atomic
def contract_draft(*, actor: User, merchant: Merchant, fees: list[dict], deposit: Decimal, monthly_rent: Decimal,
                   settlement_cycle: str, settlement_method: str, start_date: date, end_date: date) -> Contract:
    """A new contract version (draft) with its fee schedule; nothing is saved if any term is invalid."""
    return _create(actor=actor, merchant=merchant, fees=fees, action="contract.drafted", deposit=deposit,
                   monthly_rent=monthly_rent, settlement_cycle=settlement_cycle,
                   settlement_method=settlement_method, start_date=start_date, end_date=end_date)


@transaction.atomic
def contract_amend(*, actor: User, contract: Contract, **changes) -> Contract:
    """A new draft version copying ``contract``'s terms and fees with ``changes`` applied.

    ``changes`` may hold any of the terms and ``fees`` (a list of ``{channel, rate_percent, cap}``
    for the channels that change). The amended contract stays readable; it is superseded when the
    new version is countersigned.
    """
    policy.require_permission(actor, merchant_roles.MANAGE_CONTRACTS)
    unknown = set(changes) - AMENDABLE
    if unknown:
        raise DomainError(_("These terms cannot be amended: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    # The merchant first, then the contract: the same order as countersigning, so the two cannot deadlock.
    Merchant.objects.select_for_update().get(pk=contract.merchant_id)
    base = _lock(contract)
    if base.status != C.ACTIVE:
        raise DomainError(_("Only the contract in force can be amended (this one is %(status)s).")
                          % {"status": base.get_status_display()})
    terms = {name: getattr(base, name) for name in TERMS}
    terms.update({name: value for name, value in changes.items() if name != "fees"})
    fees = {fee.channel: {"channel": fee.channel, "rate_percent": fee.rate_percent, "cap": fee.cap}
            for fee in base.fees.all()}
    for fee in changes.get("fees") or []:
        fees[fee.get("channel")] = dict(fee)
    changed = {name: changes[name] for name in TERMS if name in changes and changes[name] != getattr(base, name)}
    data = {"amends": base.pk, "amends_version": base.version, "changes": changed}
    if "fees" in changes:
        data["fee_changes"] = _plain_fees(_fees(list(fees.values())))
    return _create(actor=actor, merchant=base.merchant, fees=list(fees.values()), action="contract.amended",
                   data=data, **terms)


# --- text -------------------------------------------------------------------------------------

def _rate_text(rate: Decimal) -> str:
    text = f"{rate:.4f}".rstrip("0")
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def contract_text(contract: Contract) -> str:
    """The exact contract text (Chinese and English) rendered from the template."""
    merchant = contract.merchant
    fees = sorted(contract.fees.all(), key=lambda fee: CHANNELS.index(fee.channel))
    context = {
        "contract": contract,
        "merchant": merchant,
        "acquirer": getattr(settings, "ACQUIRER_LEGAL_NAME", "收单机构 The Acquirer"),
        "institution_code": settings.ACQUIRER_INSTITUTION_CODE,
        "mid": merchant.mid or "—",
        "currency": contract.currency,
        "deposit": f"{contract.deposit:.2f}",
        "monthly_rent": f"{contract.monthly_rent:.2f}",
        "cycle_zh": CYCLE_TEXT[contract.settlement_cycle][0],
        "cycle_en": CYCLE_TEXT[contract.settlement_cycle][1],
        "method_zh": METHOD_TEXT[contract.settlement_method][0],
        "method_en": METHOD_TEXT[contract.settlement_method][1],
        "start": contract.start_date.isoformat(),
        "end": contract.end_date.isoformat(),
        "fees": [{"zh": CHANNEL_TEXT[fee.channel][0], "en": CHANNEL_TEXT[fee.channel][1],
                  "rate": _rate_text(fee.rate_percent),
                  "cap": f"{fee.cap:.2f}" if fee.cap is not None else None} for fee in fees],
    }
    text = render_to_string(TEMPLATE, context)
    # Normalised line ends and no trailing blanks: what is shown, hashed and printed is one string.
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- moves ------------------------------------------------------------------------------------

@transaction.atomic
def contract_offer(*, actor: User, contract: Contract) -> Contract:
    """Fix the exact text and its SHA-256, and offer it to the merchant."""
    policy.require_permission(actor, merchant_roles.MANAGE_CONTRACTS)
    contract = _lock(contract)
    if contract.status == C.DRAFT:
        contract.text = contract_text(contract)
        contract.text_sha256 = text_sha256(contract.text)
    advance(contract, to=C.OFFERED, moves=CONTRACT_MOVES, actor=actor, action="contract.offered",
            data={"version": contract.version, "sha256": contract.text_sha256},
            extra_fields=("text", "text_sha256"))
    _tell_owner(contract, "contract.offered", gettext_lazy("Your contract is ready to be accepted"),
                gettext_lazy("Contract version %(version)s is waiting for your acceptance in the portal."),
                {"version": contract.version})
    return contract


@transaction.atomic
def contract_accept(*, actor: User, contract: Contract, sha256: str, ip: str | None) -> Contract:
    """The merchant accepts exactly the text it saw: the posted SHA-256 must be the stored one."""
    if not policy.allows(actor, ACCEPT_CONTRACT, contract):
        raise NotPermitted(_("Only a user of the merchant can accept its contract."))
    contract = _lock(contract)
    posted = (sha256 or "").strip().lower()
    intact = bool(contract.text_sha256) and text_sha256(contract.text) == contract.text_sha256
    if contract.status == C.OFFERED and not (intact and hmac.compare_digest(posted.encode(),
                                                                            contract.text_sha256.encode())):
        raise DomainError(_("The contract text changed since you opened it: please read it again before "
                            "accepting."))
    try:
        clean_ip = ipaddress.ip_address((ip or "").strip()).compressed if ip else None
    except ValueError:
        clean_ip = None
    now = timezone.now()
    contract.accepted_by, contract.accepted_at = actor, now
    contract.accepted_ip, contract.accepted_sha256 = clean_ip, posted
    advance(contract, to=C.ACCEPTED, moves=CONTRACT_MOVES, actor=actor, action="contract.accepted",
            data={"version": contract.version, "at": now.isoformat(), "ip": clean_ip, "user": actor.get_username(),
                  "user_id": actor.pk, "sha256": posted},
            extra_fields=("accepted_by", "accepted_at", "accepted_ip", "accepted_sha256"))
    notify_role(role=roles.OPERATIONS_MANAGER, kind="contract.accepted",
                title=gettext_lazy("Contract accepted, waiting for countersignature: %(name)s v%(version)s"),
                params={"name": contract.merchant.legal_name, "version": contract.version},
                url=reverse("ops:contract-detail", kwargs={"pk": contract.pk}))
    return contract


@transaction.atomic
def contract_countersign(*, actor: User, contract: Contract) -> Contract:
    """Put the accepted contract in force; the version in force until now is superseded (stays readable)."""
    policy.require_permission(actor, merchant_roles.MANAGE_CONTRACTS)
    merchant = Merchant.objects.select_for_update().get(pk=contract.merchant_id)
    contract = _lock(contract)
    if contract.status == C.ACCEPTED and merchant.status not in CONTRACTABLE:
        raise DomainError(_("A contract can only be put in force for an approved, active or suspended merchant "
                            "(this one is %(status)s).") % {"status": merchant.get_status_display()})
    if contract.status == C.ACCEPTED and contract.accepted_sha256 != contract.text_sha256:
        raise DomainError(_("The accepted text does not match the offered text; offer the contract again."))
    previous = list(Contract.objects.select_for_update().filter(merchant_id=contract.merchant_id, status=C.ACTIVE)
                    .exclude(pk=contract.pk))
    contract.countersigned_by, contract.countersigned_at = actor, timezone.now()
    advance(contract, to=C.ACTIVE, moves=CONTRACT_MOVES, actor=actor, action="contract.countersigned",
            data={"version": contract.version, "sha256": contract.text_sha256,
                  "supersedes": [old.version for old in previous]},
            extra_fields=("countersigned_by", "countersigned_at"))
    for old in previous:
        advance(old, to=C.SUPERSEDED, moves=CONTRACT_MOVES, actor=actor, action="contract.superseded",
                data={"version": old.version, "superseded_by": contract.pk, "superseded_by_version": contract.version})
    _tell_owner(contract, "contract.countersigned", gettext_lazy("Your contract is in force"),
                gettext_lazy("Contract version %(version)s was countersigned and is now in force."),
                {"version": contract.version})
    return contract


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError(message)
    return reason


@transaction.atomic
def contract_terminate(*, actor: User, contract: Contract, reason: str) -> Contract:
    policy.require_permission(actor, merchant_roles.MANAGE_CONTRACTS)
    reason = _reason(reason, _("Give the reason for terminating the contract."))
    contract = _lock(contract)
    contract.terminated_at, contract.termination_reason = timezone.now(), reason
    advance(contract, to=C.TERMINATED, moves=CONTRACT_MOVES, actor=actor, action="contract.terminated",
            data={"version": contract.version, "reason": reason},
            extra_fields=("terminated_at", "termination_reason"))
    _tell_owner(contract, "contract.terminated", gettext_lazy("Your contract was terminated"),
                gettext_lazy("Contract version %(version)s was terminated. Reason: %(reason)s"),
                {"version": contract.version, "reason": reason})
    return contract


@transaction.atomic
def contract_withdraw(*, actor: User, contract: Contract, reason: str) -> Contract:
    """Withdraw a contract that is not in force yet (draft, offered or accepted)."""
    policy.require_permission(actor, merchant_roles.MANAGE_CONTRACTS)
    reason = _reason(reason, _("Give the reason for withdrawing the contract."))
    contract = _lock(contract)
    was = contract.status
    advance(contract, to=C.WITHDRAWN, moves=CONTRACT_MOVES, actor=actor, action="contract.withdrawn",
            data={"version": contract.version, "reason": reason})
    if was != C.DRAFT:
        _tell_owner(contract, "contract.withdrawn", gettext_lazy("A contract offer was withdrawn"),
                    gettext_lazy("Contract version %(version)s was withdrawn. Reason: %(reason)s"),
                    {"version": contract.version, "reason": reason})
    return contract


@transaction.atomic
def contract_download(*, actor: User, contract: Contract) -> bytes:
    """The contract as PDF; every download is audited."""
    from merchants.contract_pdf import contract_pdf

    content = contract_pdf(contract)
    audit.record("contract.downloaded", actor=actor, target=contract,
                 data={"version": contract.version, "status": contract.status, "sha256": contract.text_sha256,
                       "bytes": len(content)})
    return content


# --- scheduled job ----------------------------------------------------------------------------

def _remind_contracts(due, contract_ids: list[int], *, today: date, managers: list[User]) -> int:
    """One batch of the renewal reminders: lock the batch's contracts still due, read their owners in one
    query, then one insert each for the notifications, the stamps and the audit events. Returns how many."""
    contracts = list(due.select_for_update(of=("self",)).select_related("merchant")
                     .filter(pk__in=contract_ids).order_by("end_date", "pk"))
    owners = merchant_owners({contract.merchant_id for contract in contracts})
    notices, events = [], []
    for contract in contracts:
        params = {"name": contract.merchant.legal_name, "version": contract.version,
                  "end": contract.end_date.isoformat(), "days": (contract.end_date - today).days}
        owner = owners.get(contract.merchant_id)
        if owner is not None:
            notices.append({"recipient": owner, "kind": "contract.renewal_due",
                            "title": gettext_lazy("Your contract ends on %(end)s"),
                            "body": gettext_lazy("Contract version %(version)s of %(name)s ends on %(end)s (in "
                                                 "%(days)s days). Contact us to renew it."), "params": params,
                            "url": reverse("portal:contract-detail", kwargs={"pk": contract.pk})})
        notices.extend({"recipient": manager, "kind": "contract.renewal_due",
                        "title": gettext_lazy("Contract ending on %(end)s: %(name)s v%(version)s"),
                        "body": gettext_lazy("Prepare the renewal: the contract ends in %(days)s days."),
                        "params": params, "url": reverse("ops:contract-detail", kwargs={"pk": contract.pk})}
                       for manager in managers)
        events.append({"action": "contract.renewal_reminded", "target": contract, "actor_label": "system",
                       "data": {"version": contract.version, "end_date": contract.end_date,
                                "days_left": params["days"]}})
    notify_many(notices)
    Contract.objects.filter(pk__in=[contract.pk for contract in contracts]).update(renewal_reminded_on=today)
    audit.record_many(events)
    return len(contracts)


def contracts_remind_renewal(*, today: date | None = None, days: int = 60) -> dict:
    """Tell the merchant owner and operations managers, once per contract, that it ends within ``days``, in
    batches of contracts each committed on its own.

    Safe to run twice: a reminded contract carries ``renewal_reminded_on``.
    """
    today = today or timezone.localdate()
    due = Contract.objects.filter(status=C.ACTIVE, renewal_reminded_on__isnull=True,
                                  end_date__lte=today + timedelta(days=days))
    managers = role_members(roles.OPERATIONS_MANAGER)
    reminded = 0
    for batch in in_batches(due.values("id")):
        with transaction.atomic():
            reminded += _remind_contracts(due, [row["id"] for row in batch], today=today, managers=managers)
    return {"reminded": reminded}
