"""Gate matrix samples of the terminal lifecycle URLs: merchant A's objects, built through the services."""

from django.utils import timezone

from acquirer import roles
from terminals.services.lifecycle import terminal_survey_record
from terminals.services.parameters import parameter_change_request
from terminals.workflow import T
from tests.merchants.kyc_data import png_file
from tests.terminals.factories import make_model, make_terminal

TERMINAL_URLS = ("ops:terminal-detail", "audit:terminal-detail", "ops:terminal-allocate", "ops:terminal-survey",
                 "ops:terminal-ship", "ops:terminal-deliver", "ops:terminal-install", "ops:terminal-test",
                 "ops:terminal-parameters", "ops:terminal-activate", "ops:terminal-suspend", "ops:terminal-reactivate",
                 "ops:terminal-repair", "ops:terminal-return", "ops:terminal-retire", "ops:terminal-delete",
                 "ops:parameter-change-request")


def build(ctx) -> None:
    users = ctx["users"]
    merchant = ctx["merchant_a"]
    model = make_model("PAX", "A920Gate", communications=["4g", "wifi"])
    # An active terminal: empty posts of the gate walk are refused or invalid, and it is never deleted.
    live = make_terminal(status=T.ACTIVE, merchant=merchant, model=model, tid="29GATE01",
                         comm_settings={"network": "4g", "host": "pos.example", "port": 8583})
    change = parameter_change_request(actor=users[roles.FIELD_ENGINEER], terminal=live,
                                      changes={"tid": "29GATE02"}, reason="gate walk sample")
    surveyed = make_terminal(status=T.ALLOCATED, merchant=merchant, model=model,
                             install_address=merchant.address or "上海市黄浦区1号")
    survey = terminal_survey_record(actor=users[roles.FIELD_ENGINEER], terminal=surveyed,
                                    surveyed_on=timezone.localdate(), power_ok=True, network_type="4g",
                                    signal_bars=4, counter_position="front", feasible=True, notes="",
                                    photos=[png_file("gate.png")])
    ctx.update(lifecycle_terminal=live, lifecycle_change=change, lifecycle_photo=survey.photos.get())


def samples(ctx) -> dict:
    terminal = {"pk": ctx["lifecycle_terminal"].pk}
    return {
        **dict.fromkeys(TERMINAL_URLS, terminal),
        "ops:parameter-change-approve": {"pk": ctx["lifecycle_change"].pk},
        "ops:parameter-change-reject": {"pk": ctx["lifecycle_change"].pk},
        "ops:terminal-photo": {"pk": ctx["lifecycle_photo"].pk},
        "audit:terminal-photo": {"pk": ctx["lifecycle_photo"].pk},
    }
