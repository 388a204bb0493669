"""Demo catalog and one supplier delivery received through the real bulk intake (so the audit trail is real).

Called by ``seed_demo``; idempotent: catalog models are looked up before they are created, and the delivery
(recognised by its delivery note) is received only once.
"""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from terminals.models import IntakeBatch, TerminalModel
from terminals.services.intake import intake_commit, terminal_model_create

CATALOG = [
    # brand, model, form factor, communications, capabilities, minimum firmware
    ("PAX", "A920", "smart", ["4g", "wifi"], ["chip", "magstripe", "contactless", "qr", "printer"], "9.2.0"),
    ("PAX", "S900", "mobile", ["4g", "wifi"], ["chip", "magstripe", "contactless", "printer"], "5.0.3"),
    ("新大陆", "N910", "smart", ["4g", "wifi"], ["chip", "magstripe", "contactless", "qr", "printer"], "2.1.0"),
    ("Verifone", "VX520", "countertop", ["ethernet", "dialup"], ["chip", "magstripe", "printer"], "3.8.0"),
]
DELIVERY_NOTE = "DEMO-DN-2024-001"
SUPPLIER = "深圳市百富供应链有限公司"


def catalog(actor) -> dict[tuple[str, str], TerminalModel]:
    """The demo catalog, created through the service when a model is missing."""
    models = {}
    for brand, name, form_factor, comms, caps, minimum in CATALOG:
        model = TerminalModel.objects.filter(brand__iexact=brand, name__iexact=name).first()
        if model is None:
            model = terminal_model_create(actor=actor, brand=brand, name=name, form_factor=form_factor,
                                          communications=comms, capabilities=caps, min_firmware=minimum)
        models[(brand, name)] = model
    return models


def _delivery_file() -> SimpleUploadedFile:
    injected = (timezone.localdate().replace(day=1)).isoformat()
    rows = ["serial_number,brand,model,firmware_version,key_check_value,key_injected_on"]
    for n in range(1, 7):
        rows.append(f"DEMOSTK{n:05d},PAX,A920,{'9.2.1' if n % 3 else '9.1.0'},{(0xA1B2C0 + n):06X},{injected}")
    for n in range(7, 10):
        rows.append(f"DEMOSTK{n:05d},新大陆,N910,2.1.4,,")
    content = ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")
    return SimpleUploadedFile("delivery-2024-001.csv", content, content_type="text/csv")


def seed(*, staff: dict, merchant_a, merchant_b) -> None:
    actor = staff["ops"]
    catalog(actor)
    if IntakeBatch.objects.filter(delivery_note=DELIVERY_NOTE).exists():
        return
    intake_commit(actor=actor, supplier=SUPPLIER, delivery_note=DELIVERY_NOTE, uploaded_file=_delivery_file())
