"""Gate matrix samples of the registry URLs: a catalog model and a terminal placed at merchant A."""

from terminals.models import Terminal
from tests.terminals.factories import make_model, make_terminal


def build(ctx):
    merchant = ctx["merchant_a"]
    ctx["registry_model"] = make_model(brand="GateBrand", name="G1")
    ctx["registry_terminal_a"] = make_terminal(status=Terminal.Status.ACTIVE, merchant=merchant,
                                               model=ctx["registry_model"])


def samples(ctx) -> dict:
    return {
        "ops:terminal-model-edit": {"pk": ctx["registry_model"].pk},
        "portal:terminal-detail": {"pk": ctx["registry_terminal_a"].pk},
    }
