"""Gate matrix samples of the maintenance ticket URLs: one ticket of merchant A with a photo."""

from terminals.models import Terminal, Ticket
from terminals.services.tickets import ticket_raise
from tests.merchants.kyc_data import png_file
from tests.terminals.factories import make_terminal


def build(ctx) -> None:
    terminal = make_terminal(status=Terminal.Status.ACTIVE, merchant=ctx["merchant_a"])
    ticket = ticket_raise(actor=ctx["users"]["merchant_a"], terminal=terminal, category=Ticket.Category.HARDWARE,
                          severity=Ticket.Severity.HIGH, description="Card reader does not read chips",
                          channel=Ticket.Channel.PORTAL, photos=[png_file("reader.png")])
    ctx["ticket_a"] = ticket
    ctx["ticket_photo_a"] = ticket.photos.get()


def samples(ctx) -> dict:
    ticket = {"pk": ctx["ticket_a"].pk}
    photo = {"pk": ctx["ticket_photo_a"].pk}
    return {
        **{name: ticket for name in (
            "ops:ticket-detail", "ops:ticket-assign", "ops:ticket-diagnose", "ops:ticket-dispatch", "ops:ticket-part",
            "ops:ticket-resolve", "ops:ticket-swap", "portal:ticket-detail", "portal:ticket-confirm",
            "portal:ticket-reopen", "audit:ticket-detail")},
        "ops:ticket-photo": photo,
        "portal:ticket-photo": photo,
    }
