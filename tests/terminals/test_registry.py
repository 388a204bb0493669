"""Catalog, receiving terminals into stock (one or a whole supplier file, all rows or none), the registry and its
filters, the charts, and the merchant's own terminals in the portal (never another merchant's)."""

import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent
from terminals.models import DepositMovement, IntakeBatch, RentCharge, Terminal, TerminalModel, Ticket
from terminals.selectors.registry import firmware_below, firmware_key, terminal_dashboard, terminal_registry
from terminals.services import intake as svc
from tests.terminals.factories import make_live_merchant, make_model, make_terminal

T = Terminal.Status
HEADER = ["serial_number", "brand", "model", "firmware_version", "key_check_value", "key_injected_on"]
MANAGER = roles.OPERATIONS_MANAGER


def csv_file(rows, *, header=HEADER, name="delivery.csv", bom=True, encoding="utf-8") -> SimpleUploadedFile:
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    text = ("\ufeff" if bom and encoding == "utf-8" else "") + "\r\n".join(lines) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, header=HEADER, name="delivery.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def manager(users):
    return users[MANAGER]


@pytest.fixture
def pax(db):
    return make_model(brand="PAX", name="A920", min_firmware="9.2.0")


@pytest.fixture
def newland(db):
    return make_model(brand="新大陆", name="N910", min_firmware="2.1.0")


def good_rows(n=3, prefix="PX"):
    return [[f"{prefix}{i:06d}", "PAX", "A920", "9.2.1", "A1B2C3", "2024-05-01"] for i in range(1, n + 1)]


def counts():
    return Terminal.objects.count(), IntakeBatch.objects.count(), AuditEvent.objects.filter(
        action="terminal.intake").count()


# --- catalog ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_terminal_model_create_stores_the_model_and_audits(manager):
    model = svc.terminal_model_create(actor=manager, brand=" PAX ", name="A920", form_factor="smart",
                                      communications=["wifi", "4g", "wifi"], capabilities=["qr", "chip"],
                                      min_firmware="9.2.0")
    assert (model.brand, model.name, model.communications, model.capabilities) == ("PAX", "A920", ["4g", "wifi"],
                                                                                   ["chip", "qr"])
    event = AuditEvent.objects.get(action="terminal_model.created")
    assert event.target_id == str(model.pk) and event.after["min_firmware"] == "9.2.0"


@pytest.mark.django_db
def test_terminal_model_create_refuses_a_duplicate_brand_and_model_whatever_the_case(manager, pax):
    with pytest.raises(DomainError, match="already has the model pax a920"):
        svc.terminal_model_create(actor=manager, brand="pax", name="a920", form_factor="smart",
                                  communications=["4g"], capabilities=["chip"])
    assert TerminalModel.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("changes, message", [
    ({"form_factor": "tablet"}, "Unknown form factor"),
    ({"communications": ["5g"]}, "Unknown communication"),
    ({"communications": []}, "at least one communication"),
    ({"capabilities": []}, "at least one capability"),
    ({"min_firmware": "1.0 beta!"}, "not a valid firmware version"),
    ({"brand": ""}, "brand and the model name"),
])
def test_terminal_model_create_refuses_bad_values(manager, changes, message):
    values = {"brand": "PAX", "name": "A1", "form_factor": "smart", "communications": ["4g"],
              "capabilities": ["chip"], "min_firmware": "1.0.0", **changes}
    with pytest.raises(DomainError, match=message):
        svc.terminal_model_create(actor=manager, **values)
    assert not TerminalModel.objects.exists()


@pytest.mark.django_db
def test_terminal_model_update_changes_fields_audits_and_keeps_names_unique(manager, pax):
    other = make_model(brand="PAX", name="S900")
    svc.terminal_model_update(actor=manager, model=pax, brand="PAX", name="A920", form_factor="smart",
                              communications=["4g"], capabilities=["chip"], min_firmware="9.3.0", active=False)
    pax.refresh_from_db()
    assert pax.min_firmware == "9.3.0" and not pax.active
    event = AuditEvent.objects.get(action="terminal_model.updated")
    assert event.before["min_firmware"] == "9.2.0" and event.after["min_firmware"] == "9.3.0"
    with pytest.raises(DomainError, match="already has the model PAX A920"):
        svc.terminal_model_update(actor=manager, model=other, brand="PAX", name="A920", form_factor="smart",
                                  communications=["4g"], capabilities=["chip"])


@pytest.mark.django_db
def test_catalog_needs_the_manage_stock_permission(users):
    with pytest.raises(NotPermitted):
        svc.terminal_model_create(actor=users[roles.FIELD_ENGINEER], brand="PAX", name="A1", form_factor="smart",
                                  communications=["4g"], capabilities=["chip"])


@pytest.mark.django_db
def test_catalog_page_lists_models_and_creates_one(clients, pax):
    client = clients[MANAGER]
    page = client.get(reverse("ops:terminal-model-list")).content.decode()
    assert "A920" in page and 'id="model-form"' in page
    response = client.post(reverse("ops:terminal-model-list"), {
        "brand": "Verifone", "name": "VX520", "form_factor": "countertop", "communications": ["ethernet", "dialup"],
        "capabilities": ["chip", "magstripe"], "min_firmware": "3.8.0"})
    assert response.status_code == 302
    assert TerminalModel.objects.filter(brand="Verifone", name="VX520", communications=["ethernet", "dialup"]).exists()
    duplicate = client.post(reverse("ops:terminal-model-list"), {
        "brand": "pax", "name": "A920", "form_factor": "smart", "communications": ["4g"], "capabilities": ["chip"]})
    assert duplicate.status_code == 200 and "The catalog already has the model pax A920" in duplicate.content.decode()


@pytest.mark.django_db
def test_catalog_page_is_read_only_without_manage_stock(clients, pax):
    client = clients[roles.FIELD_ENGINEER]
    page = client.get(reverse("ops:terminal-model-list")).content.decode()
    assert "A920" in page and 'id="model-form"' not in page
    response = client.post(reverse("ops:terminal-model-list"), {
        "brand": "X", "name": "Y", "form_factor": "smart", "communications": ["4g"], "capabilities": ["chip"]})
    assert response.status_code == 403 and not TerminalModel.objects.filter(brand="X").exists()


@pytest.mark.django_db
def test_catalog_edit_page_saves_the_model(clients, pax):
    response = clients[MANAGER].post(reverse("ops:terminal-model-edit", args=[pax.pk]), {
        "brand": "PAX", "name": "A920 Pro", "form_factor": "smart", "communications": ["4g", "wifi"],
        "capabilities": ["chip", "contactless"], "min_firmware": "9.4.0", "active": "on"})
    assert response.status_code == 302
    pax.refresh_from_db()
    assert pax.name == "A920 Pro" and pax.capabilities == ["chip", "contactless"]


# --- one terminal -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_terminal_receive_normalises_the_serial_and_audits(manager, pax):
    terminal = svc.terminal_receive(actor=manager, model=pax, serial_number="  px-001a ", firmware_version="9.2.1",
                                    key_check_value="a1b2c3", key_injected_on=timezone.localdate())
    assert (terminal.serial_number, terminal.status, terminal.custodian, terminal.key_check_value) == (
        "PX-001A", T.IN_STOCK, Terminal.Custodian.WAREHOUSE, "A1B2C3")
    event = AuditEvent.objects.get(action="terminal.received")
    assert event.target_id == str(terminal.pk) and event.data["serial_number"] == "PX-001A"


@pytest.mark.django_db
def test_terminal_receive_refuses_a_serial_already_registered(manager, pax):
    svc.terminal_receive(actor=manager, model=pax, serial_number="PX0001", firmware_version="9.2.1")
    with pytest.raises(DomainError, match="serial number PX0001 is already registered"):
        svc.terminal_receive(actor=manager, model=pax, serial_number="px0001 ", firmware_version="9.2.1")
    assert Terminal.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kcv, message", [
    ("A1B2", "6 hexadecimal characters"),
    ("A1B2CZ", "6 hexadecimal characters"),
    ("0123456789ABCDEF0123456789ABCDEF", "looks like a key"),
])
def test_terminal_receive_accepts_only_a_six_hex_key_check_value(manager, pax, kcv, message):
    with pytest.raises(DomainError, match=message):
        svc.terminal_receive(actor=manager, model=pax, serial_number="PX0001", firmware_version="9.2.1",
                             key_check_value=kcv, key_injected_on=timezone.localdate())
    assert not Terminal.objects.exists()


@pytest.mark.django_db
def test_terminal_receive_refuses_an_inactive_model_and_a_future_injection_date(manager, pax):
    with pytest.raises(DomainError, match="cannot be in the future"):
        svc.terminal_receive(actor=manager, model=pax, serial_number="PX0001", firmware_version="9.2.1",
                             key_check_value="A1B2C3", key_injected_on=timezone.localdate() + timedelta(days=1))
    TerminalModel.objects.filter(pk=pax.pk).update(active=False)
    pax.refresh_from_db()
    with pytest.raises(DomainError, match="model of the catalog"):
        svc.terminal_receive(actor=manager, model=pax, serial_number="PX0001", firmware_version="9.2.1")


@pytest.mark.django_db
def test_receive_page_receives_one_terminal(clients, pax):
    response = clients[MANAGER].post(reverse("ops:terminal-receive"), {
        "model": pax.pk, "serial_number": "sn-9", "firmware_version": "9.2.1", "key_check_value": "",
        "key_injected_on": ""})
    assert response.status_code == 302
    assert Terminal.objects.filter(serial_number="SN-9", status=T.IN_STOCK).exists()
    assert clients[roles.RISK_ANALYST].get(reverse("ops:terminal-receive")).status_code == 403


# --- bulk intake ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_bulk_intake_with_bad_rows_reports_each_bad_row_and_saves_nothing(manager, pax):
    make_terminal(model=pax, serial_number="PX999999")
    before = counts()
    rows = [
        ["PX000001", "PAX", "A920", "9.2.1", "A1B2C3", "2024-05-01"],   # row 2: good
        ["", "PAX", "A920", "9.2.1", "", ""],                           # row 3: no serial
        ["PX000001", "PAX", "A920", "9.2.1", "", ""],                   # row 4: duplicate of row 2
        ["px999999", "PAX", "A920", "9.2.1", "", ""],                   # row 5: already registered
        ["PX000005", "Ingenico", "Move5000", "1.0", "", ""],            # row 6: unknown model
        ["PX000006", "PAX", "A920", "9.2 final!", "", ""],              # row 7: bad firmware
        ["PX000007", "PAX", "A920", "9.2.1", "XYZ123", "2024-05-01"],   # row 8: bad KCV
        ["PX000008", "PAX", "A920", "9.2.1", "A1B2C3", "01/05/2024"],   # row 9: bad date
        ["PX000009", "PAX", "A920", "9.2.1", "", ""],                   # row 10: good
    ]
    with pytest.raises(svc.IntakeRejected) as rejected:
        svc.intake_commit(actor=manager, supplier="百富", delivery_note="DN1", uploaded_file=csv_file(rows))
    errors = {e.line: e.message for e in rejected.value.report.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "serial number is missing" in errors[3]
    assert "appears more than once in the file (first on row 2)" in errors[4]
    assert "PX999999 is already registered" in errors[5]
    assert "Ingenico Move5000 is not in the catalog" in errors[6]
    assert "not a valid firmware version" in errors[7]
    assert "6 hexadecimal characters" in errors[8]
    assert "not a date in the form YYYY-MM-DD" in errors[9]
    assert "7 of 9 rows have problems: nothing was received" in str(rejected.value)
    assert counts() == before


@pytest.mark.django_db
def test_bulk_intake_page_shows_a_table_of_every_bad_row(clients, pax):
    rows = [*good_rows(2), ["PX000001", "PAX", "A920", "9.2.1", "", ""], ["PX000004", "PAX", "Z1", "1", "", ""]]
    response = clients[MANAGER].post(reverse("ops:terminal-intake"), {
        "supplier": "百富", "delivery_note": "DN1", "file": csv_file(rows)})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="intake-errors"' in page
    assert 'data-row="4"' in page and 'data-row="5"' in page and 'data-row="2"' not in page
    assert "The model PAX Z1 is not in the catalog." in page
    assert not Terminal.objects.exists() and not IntakeBatch.objects.exists()


@pytest.mark.django_db
def test_bulk_intake_of_a_good_csv_with_bom_and_chinese_supplier_creates_everything(manager, pax, newland):
    rows = [*good_rows(3), ["NL000001", "新大陆", "n910", "2.1.4", "", ""]]
    batch = svc.intake_commit(actor=manager, supplier="深圳市百富供应链有限公司", delivery_note="DN-2024-001",
                              uploaded_file=csv_file(rows, name="到货单.csv"))
    assert (batch.supplier, batch.rows, batch.file_name) == ("深圳市百富供应链有限公司", 4, "到货单.csv")
    assert len(batch.sha256) == 64
    terminals = Terminal.objects.filter(intake_batch=batch)
    assert terminals.count() == 4 and set(terminals.values_list("status", flat=True)) == {T.IN_STOCK}
    first = terminals.get(serial_number="PX000001")
    assert (first.model, first.key_check_value, first.key_injected_on.isoformat()) == (pax, "A1B2C3", "2024-05-01")
    assert terminals.get(serial_number="NL000001").model == newland
    event = AuditEvent.objects.get(action="terminal.intake")
    assert event.target_id == str(batch.pk) and event.data["terminals"] == 4
    assert event.data["models"] == {"PAX A920": 3, "新大陆 N910": 1}
    assert AuditEvent.objects.filter(action="terminal.received").count() == 0


@pytest.mark.django_db
def test_bulk_intake_reads_a_gb18030_csv(manager, newland):
    file = csv_file([["NL000001", "新大陆", "N910", "2.1.4", "", ""]], encoding="gb18030", bom=False)
    batch = svc.intake_commit(actor=manager, supplier="新大陆", delivery_note="", uploaded_file=file)
    assert Terminal.objects.get(intake_batch=batch).model == newland


@pytest.mark.django_db
def test_bulk_intake_of_a_good_xlsx_creates_everything(manager, pax):
    import datetime

    rows = [["PX000001", "PAX", "A920", "9.2.1", "A1B2C3", datetime.datetime(2024, 5, 1)],
            [12345678, "PAX", "A920", 9.3, "", None], ["PX000003", "PAX", "A920", "9.2.1", "c0ffee", "2024-06-01"]]
    batch = svc.intake_commit(actor=manager, supplier="PAX Technology", delivery_note="DN2",
                              uploaded_file=xlsx_file(rows))
    assert batch.rows == 3
    assert Terminal.objects.get(serial_number="12345678").firmware_version == "9.3"
    assert Terminal.objects.get(serial_number="PX000001").key_injected_on == datetime.date(2024, 5, 1)
    assert Terminal.objects.get(serial_number="PX000003").key_check_value == "C0FFEE"
    assert AuditEvent.objects.filter(action="terminal.intake", data__format="xlsx").count() == 1


@pytest.mark.django_db
def test_bulk_intake_page_receives_a_good_file_and_shows_the_batch(clients, pax):
    response = clients[MANAGER].post(reverse("ops:terminal-intake"), {
        "supplier": "百富", "delivery_note": "DN3", "file": xlsx_file(good_rows(2))}, follow=True)
    page = response.content.decode()
    batch = IntakeBatch.objects.get()
    assert f"?batch={batch.pk}" in response.redirect_chain[-1][0]
    assert 'id="batch-summary"' in page and "PX000001" in page and "PX000002" in page
    batches = clients[MANAGER].get(reverse("ops:intake-batch-list")).content.decode()
    assert f'data-batch="{batch.pk}"' in batches and "百富" in batches


@pytest.mark.django_db
def test_bulk_intake_treats_formula_cells_as_text(manager, pax):
    file = xlsx_file([['=HYPERLINK("http://evil.example","x")', "PAX", "A920", "9.2.1", "", ""],
                      ["PX000002", "PAX", "A920", "=1+2", "", ""]])
    with pytest.raises(svc.IntakeRejected) as rejected:
        svc.intake_commit(actor=manager, supplier="S", delivery_note="", uploaded_file=file)
    errors = {e.line: e.message for e in rejected.value.report.errors}
    assert "=HYPERLINK" in errors[2] and "not a valid serial number" in errors[2]
    assert "“=1+2” is not a valid firmware version" in errors[3]
    with pytest.raises(svc.IntakeRejected) as rejected:
        svc.intake_commit(actor=manager, supplier="S", delivery_note="",
                          uploaded_file=csv_file([["=cmd|' /C calc'!A0", "PAX", "A920", "9.2.1", "", ""]]))
    assert "not a valid serial number" in rejected.value.report.errors[0].message
    assert not Terminal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, message", [
    ("delivery.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 8, "neither a CSV text file"),
    ("delivery.csv", None, "named as a CSV file but its content is a ZIP archive"),
    ("delivery.xlsx", None, "not a readable Excel workbook"),
    ("delivery.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel (.xls)"),
    ("delivery.xlsx", b"serial_number,brand,model,firmware_version\r\nPX1,PAX,A920,1\r\n",
     "named as an Excel workbook but its content is not one"),
])
def test_bulk_intake_refuses_files_that_are_not_csv_or_xlsx(manager, pax, name, content, message):
    if content is None:  # a ZIP of something else
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.exe", b"MZ" + b"\x00" * 100)
        content = buffer.getvalue()
    with pytest.raises(DomainError, match=re.escape(message)):
        svc.intake_commit(actor=manager, supplier="S", delivery_note="",
                          uploaded_file=SimpleUploadedFile(name, content))
    assert not Terminal.objects.exists() and not IntakeBatch.objects.exists()


@pytest.mark.django_db
def test_bulk_intake_refuses_an_oversized_file(manager, pax, settings, clients):
    settings.ACQUIRER_UPLOAD_MAX_BYTES = 200
    with pytest.raises(DomainError, match="too large"):
        svc.intake_commit(actor=manager, supplier="S", delivery_note="", uploaded_file=csv_file(good_rows(10)))
    response = clients[MANAGER].post(reverse("ops:terminal-intake"), {
        "supplier": "S", "file": csv_file(good_rows(10))})
    assert response.status_code == 200 and "too large" in response.content.decode()
    assert not Terminal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("header, rows, message", [
    (["serial", "brand", "model", "firmware_version"], [["PX1", "PAX", "A920", "1"]], "has no column serial_number"),
    (HEADER, [], "has a header but no terminal rows"),
])
def test_bulk_intake_refuses_a_file_without_the_columns_or_rows(manager, pax, header, rows, message):
    with pytest.raises(DomainError, match=message):
        svc.intake_parse(csv_file(rows, header=header))


@pytest.mark.django_db
def test_bulk_intake_reports_duplicates_within_the_file_and_against_the_database(manager, pax):
    make_terminal(model=pax, serial_number="PX000003")
    rows = [*good_rows(3), ["px000001", "PAX", "A920", "9.2.1", "", ""]]
    report = svc.intake_parse(xlsx_file(rows))
    errors = {e.line: e.message for e in report.errors}
    assert sorted(errors) == [4, 5]
    assert "PX000003 is already registered" in errors[4]
    assert "PX000001 appears more than once in the file (first on row 2)" in errors[5]


@pytest.mark.django_db
def test_bulk_intake_reports_unknown_and_withdrawn_models(manager, pax):
    withdrawn = make_model(brand="PAX", name="S80", active=False)
    rows = [["PX1001", "PAX", "A930", "1.0", "", ""], ["PX1002", withdrawn.brand, withdrawn.name, "1.0", "", ""],
            ["PX1003", "", "A920", "1.0", "", ""]]
    errors = {e.line: e.message for e in svc.intake_parse(csv_file(rows)).errors}
    assert "PAX A930 is not in the catalog" in errors[2]
    assert "PAX S80 is no longer in the catalog" in errors[3]
    assert "brand or the model is missing" in errors[4]


@pytest.mark.django_db
def test_bulk_intake_needs_the_manage_stock_permission(users, clients, pax):
    with pytest.raises(NotPermitted):
        svc.intake_commit(actor=users[roles.CUSTOMER_SERVICE], supplier="S", delivery_note="",
                          uploaded_file=csv_file(good_rows(1)))
    response = clients[roles.FIELD_ENGINEER].post(reverse("ops:terminal-intake"), {
        "supplier": "S", "file": csv_file(good_rows(1))})
    assert response.status_code == 403 and not Terminal.objects.exists()


# --- registry ---------------------------------------------------------------------------------

@pytest.fixture
def fleet(users, merchant_a, merchant_b, pax, newland):
    manager = users[MANAGER]
    make_live_merchant(merchant_a, manager)
    make_live_merchant(merchant_b, manager)
    return {
        "stock": make_terminal(model=pax, serial_number="STOCK0001", firmware_version="9.2.1"),
        "active_a": make_terminal(status=T.ACTIVE, merchant=merchant_a, model=pax, serial_number="ACT0001",
                                  region_code="2900", firmware_version="9.1.0"),
        "shipped_b": make_terminal(status=T.SHIPPED, merchant=merchant_b, model=newland, serial_number="SHP0001",
                                   region_code="1000", custodian=Terminal.Custodian.COURIER,
                                   firmware_version="2.1.4"),
        "repair": make_terminal(status=T.UNDER_REPAIR, model=newland, serial_number="REP0001",
                                custodian=Terminal.Custodian.REPAIR, firmware_version="2.0.9"),
    }


def serials(qs) -> set[str]:
    return set(qs.values_list("serial_number", flat=True))


@pytest.mark.django_db
def test_registry_filters(users, fleet, merchant_a, merchant_b, pax, newland):
    actor = users[roles.COMPLIANCE_OFFICER]
    active = fleet["active_a"]
    assert serials(terminal_registry(actor=actor, filters={"status": T.ACTIVE})) == {"ACT0001"}
    assert serials(terminal_registry(actor=actor, filters={"model": newland})) == {"SHP0001", "REP0001"}
    assert serials(terminal_registry(actor=actor, filters={"merchant": "merchant b"})) == {"SHP0001"}
    assert serials(terminal_registry(actor=actor, filters={"merchant": merchant_a.mid})) == {"ACT0001"}
    assert serials(terminal_registry(actor=actor, filters={"region": "1000"})) == {"SHP0001"}
    make_terminal(status=T.ALLOCATED, merchant=merchant_a, model=pax, serial_number="ALC0001")  # no region yet
    assert serials(terminal_registry(actor=actor, filters={"region": "2900"})) == {"ACT0001", "ALC0001"}
    assert serials(terminal_registry(actor=actor, filters={"firmware": "2.0.9"})) == {"REP0001"}
    assert serials(terminal_registry(actor=actor, filters={"custodian": "courier"})) == {"SHP0001"}
    assert serials(terminal_registry(actor=actor, filters={"q": "stock"})) == {"STOCK0001"}
    assert serials(terminal_registry(actor=actor, filters={"q": active.tid})) == {"ACT0001"}
    assert serials(terminal_registry(actor=actor, filters={"status": T.IN_STOCK, "model": newland})) == set()


@pytest.mark.django_db
def test_registry_page_filters_and_links_to_terminal_pages(clients, fleet, newland):
    page = clients[roles.FIELD_ENGINEER].get(reverse("ops:terminal-list"),
                                             {"model": newland.pk, "custodian": "repair"}).content.decode()
    assert "REP0001" in page and "SHP0001" not in page and "ACT0001" not in page
    assert 'id="terminal-filters"' in page and " style=" not in page


@pytest.mark.django_db
def test_registry_page_keeps_a_constant_number_of_queries(clients, pax, merchant_a, users,
                                                          django_assert_max_num_queries):
    make_live_merchant(merchant_a, users[MANAGER])
    client = clients[roles.COMPLIANCE_OFFICER]
    url = reverse("ops:terminal-list")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"status": "", "merchant": ""}).status_code == 200
        return len(captured)

    for _ in range(3):
        make_terminal(status=T.ACTIVE, merchant=merchant_a, model=make_model())
    whole_list = queries()  # every row on one page: its rows are the count
    for _ in range(30):
        make_terminal(status=T.ACTIVE, merchant=merchant_a, model=make_model(),
                      custodian_user=users[roles.FIELD_ENGINEER])
    few = queries()
    assert few == whole_list + 1  # a bounded count once there is a next page
    for _ in range(30):
        make_terminal(status=T.ACTIVE, merchant=merchant_a, model=make_model(),
                      custodian_user=users[roles.FIELD_ENGINEER])
    assert queries() == few
    with django_assert_max_num_queries(few):
        client.get(url)


@pytest.mark.django_db
def test_registry_pages_by_page_size(clients, pax):
    from acquirer.lists import PAGE_SIZE

    Terminal.objects.bulk_create([Terminal(serial_number=f"BULK{i:04d}", model=pax)
                                  for i in range(PAGE_SIZE + 10)])
    first = clients[MANAGER].get(reverse("ops:terminal-list"))
    assert first.content.decode().count("data-terminal=") == PAGE_SIZE and first.context["page"].has_next
    second = clients[MANAGER].get(reverse("ops:terminal-list"), {"after": first.context["page"].next_cursor})
    assert second.content.decode().count("data-terminal=") == 10 and not second.context["page"].has_next


@pytest.mark.django_db
def test_reviewer_sees_the_registry_but_not_intake(clients, fleet):
    client = clients[roles.ONBOARDING_REVIEWER]
    assert client.get(reverse("ops:terminal-list")).status_code == 200
    assert client.get(reverse("ops:terminal-intake")).status_code == 403
    assert client.get(reverse("ops:intake-batch-list")).status_code == 403


# --- dashboard --------------------------------------------------------------------------------

def make_ticket(terminal, actor, *, category="hardware", severity="high", status="open") -> Ticket:
    now = timezone.now()
    return Ticket.objects.create(number=f"TK{Ticket.objects.count() + 1:06d}{terminal.pk}", merchant=terminal.merchant,
                                 terminal=terminal, channel="phone", category=category, severity=severity,
                                 description="broken", raised_by=actor, status=status,
                                 response_due=now + timedelta(hours=2), resolution_due=now + timedelta(hours=16))


@pytest.mark.django_db
def test_dashboard_counts_and_lists_firmware_below_the_minimum(users, fleet):
    actor = users[MANAGER]
    make_ticket(fleet["active_a"], actor, category="hardware", severity="critical")
    make_ticket(fleet["active_a"], actor, category="network", severity="high")
    make_ticket(fleet["shipped_b"], actor, category="hardware", severity="high", status="closed")
    data = terminal_dashboard(actor=actor)
    statuses = {bar["key"]: bar["count"] for bar in data["status_bars"]}
    assert statuses == {"in_stock": 1, "active": 1, "shipped": 1, "under_repair": 1}
    assert {bar["label"]: bar["count"] for bar in data["model_bars"]} == {"PAX A920": 2, "新大陆 N910": 2}
    assert {t.serial_number for t in data["below_minimum"]} == {"ACT0001", "REP0001"}
    assert data["below_minimum_total"] == 2
    assert {bar["key"]: bar["count"] for bar in data["category_bars"]} == {"hardware": 1, "network": 1}
    assert {bar["key"]: bar["count"] for bar in data["severity_bars"]} == {"critical": 1, "high": 1}
    assert max(bar["pct"] for bar in data["status_bars"]) == 100


@pytest.mark.django_db
def test_dashboard_page_draws_svg_charts_without_script_or_inline_style(clients, fleet, users):
    make_ticket(fleet["active_a"], users[MANAGER])
    response = clients[roles.CUSTOMER_SERVICE].get(reverse("ops:terminal-dashboard"))
    page = response.content.decode()
    main = page.split("<main", 1)[1]
    assert response.status_code == 200
    assert 'id="chart-status"' in main and 'id="chart-category"' in main and "<rect" in main
    assert 'width="100"' in main  # the tallest bar spans the whole chart
    assert "<script" not in main and " style=" not in page
    assert 'id="below-minimum"' in main and "ACT0001" in main and "STOCK0001" not in main.split('id="below-minimum"')[1]


@pytest.mark.django_db
def test_dashboard_hides_ticket_charts_without_ticket_permission(clients, fleet):
    page = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:terminal-dashboard")).content.decode()
    assert 'id="chart-status"' in page and 'id="chart-category"' not in page


@pytest.mark.django_db
def test_dashboard_keeps_a_constant_number_of_queries(clients, users, merchant_a, pax):
    make_live_merchant(merchant_a, users[MANAGER])
    client = clients[MANAGER]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("ops:terminal-dashboard")).status_code == 200
        return len(captured)

    def grow(n):
        for i in range(n):
            model = make_model(min_firmware="5.0")
            terminal = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=model, firmware_version=f"4.{i}")
            make_ticket(terminal, users[MANAGER], category=["hardware", "software", "network"][i % 3])

    grow(2)
    few = queries()
    grow(20)
    assert queries() == few


# --- portal -----------------------------------------------------------------------------------

@pytest.fixture
def portal_fleet(users, merchant_a, merchant_b, pax):
    manager = users[MANAGER]
    make_live_merchant(merchant_a, manager, monthly_rent=Decimal("35.00"))
    make_live_merchant(merchant_b, manager)
    a1 = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=pax, serial_number="AAA0001",
                       deposit_state=Terminal.Deposit.HELD, admin_password_hash="pbkdf2_sha256$secret-hash",
                       comm_settings={"apn": "cmnet", "host": "10.0.0.1"})
    a2 = make_terminal(status=T.SHIPPED, merchant=merchant_a, model=pax, serial_number="AAA0002")
    b1 = make_terminal(status=T.ACTIVE, merchant=merchant_b, model=pax, serial_number="BBB0001")
    month = timezone.localdate().replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    RentCharge.objects.create(terminal=a1, merchant=merchant_a, month=previous, amount=Decimal("35.00"),
                              status=RentCharge.Status.PAID, due_on=previous + timedelta(days=9))
    RentCharge.objects.create(terminal=a1, merchant=merchant_a, month=month, amount=Decimal("35.00"),
                              due_on=month + timedelta(days=9))
    DepositMovement.objects.create(terminal=a1, merchant=merchant_a, kind="taken", amount=Decimal("500.00"),
                                   reference="DEP-A1", recorded_by=manager)
    ticket = make_ticket(a1, manager)
    make_ticket(a1, manager, status="closed")
    make_ticket(b1, manager)
    return {"a1": a1, "a2": a2, "b1": b1, "ticket": ticket}


@pytest.mark.django_db
def test_portal_lists_only_the_merchants_own_terminals_with_rent_and_tickets(clients, portal_fleet):
    page = clients["merchant_a"].get(reverse("portal:terminal-list")).content.decode()
    assert "AAA0001" in page and "AAA0002" in page and "BBB0001" not in page
    row = page.split(f'data-terminal="{portal_fleet["a1"].pk}"')[1].split("</tr>")[0]
    assert "35.00 CNY" in row and 'data-rent-status="due"' in row and 'data-rent-due="1"' in row
    assert 'data-open-tickets="1"' in row and "Deposit held" in row
    page_b = clients["merchant_b"].get(reverse("portal:terminal-list")).content.decode()
    assert "BBB0001" in page_b and "AAA0001" not in page_b and "AAA0002" not in page_b


@pytest.mark.django_db
def test_portal_terminal_page_shows_parameters_money_and_tickets_but_never_the_password(clients, portal_fleet):
    a1 = portal_fleet["a1"]
    page = clients["merchant_a"].get(reverse("portal:terminal-detail", args=[a1.pk])).content.decode()
    assert a1.tid in page and a1.mid in page and "cmnet" in page
    assert "secret-hash" not in page and "pbkdf2" not in page
    assert "DEP-A1" in page and 'id="rent-table"' in page and page.count("data-rent=") == 2
    assert portal_fleet["ticket"].number in page and page.count("data-ticket=") == 2
    assert portal_fleet["b1"].serial_number not in page


@pytest.mark.django_db
def test_portal_another_merchants_terminal_is_404_like_a_missing_one(clients, portal_fleet):
    client_b = clients["merchant_b"]
    theirs = client_b.get(reverse("portal:terminal-detail", args=[portal_fleet["a1"].pk]))
    missing = client_b.get(reverse("portal:terminal-detail", args=[999999]))
    assert theirs.status_code == missing.status_code == 404


@pytest.mark.django_db
def test_portal_hides_rent_and_tickets_of_a_terminals_previous_merchant(clients, portal_fleet, merchant_b):
    a1 = portal_fleet["a1"]
    Terminal.objects.filter(pk=a1.pk).update(merchant=merchant_b)
    page = clients["merchant_b"].get(reverse("portal:terminal-detail", args=[a1.pk])).content.decode()
    assert "DEP-A1" not in page and "data-rent=" not in page and portal_fleet["ticket"].number not in page


@pytest.mark.django_db
def test_portal_list_keeps_a_constant_number_of_queries(clients, portal_fleet, merchant_a, pax, users):
    client = clients["merchant_a"]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portal:terminal-list")).status_code == 200
        return len(captured)

    few = queries()
    month = timezone.localdate().replace(day=1)
    for _ in range(15):
        terminal = make_terminal(status=T.ACTIVE, merchant=merchant_a, model=pax)
        RentCharge.objects.create(terminal=terminal, merchant=merchant_a, month=month, amount=Decimal("35.00"),
                                  due_on=month + timedelta(days=9))
        make_ticket(terminal, users[MANAGER])
    assert queries() == few


@pytest.mark.django_db
def test_staff_and_auditors_cannot_use_the_portal_pages(clients, portal_fleet):
    for actor in (MANAGER, "auditor"):
        assert clients[actor].get(reverse("portal:terminal-list")).status_code == 403


# --- auditor ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_auditor_reads_the_registry_and_cannot_post(clients, fleet):
    client = clients["auditor"]
    page = client.get(reverse("audit:terminal-list"), {"status": "active"}).content.decode()
    assert "ACT0001" in page and "STOCK0001" not in page and "Bulk intake" not in page
    assert client.post(reverse("audit:terminal-list")).status_code == 405
    assert client.get(reverse("ops:terminal-list")).status_code == 403
    assert client.get(reverse("ops:terminal-intake")).status_code == 403


# --- firmware order and demo ------------------------------------------------------------------

def test_firmware_versions_compare_by_their_numbers():
    assert firmware_key("1.10.0") > firmware_key("1.9.2") > firmware_key("1.9")
    assert firmware_key("V2.0") == firmware_key("2.0.0")
    assert firmware_below("9.1.0", "9.2.0") and not firmware_below("9.2", "9.2.0")
    assert firmware_below("", "1.0") and not firmware_below("0.1", "")


@pytest.mark.django_db
def test_demo_seed_receives_one_delivery_through_intake_and_is_idempotent(users, merchant_a, merchant_b):
    from terminals.demo.registry import DELIVERY_NOTE, seed

    staff = {"ops": users[MANAGER]}
    seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    batch = IntakeBatch.objects.get(delivery_note=DELIVERY_NOTE)
    assert batch.terminals.count() == batch.rows == 9
    before = (Terminal.objects.count(), IntakeBatch.objects.count(), TerminalModel.objects.count(),
              AuditEvent.objects.count())
    seed(staff=staff, merchant_a=merchant_a, merchant_b=merchant_b)
    assert (Terminal.objects.count(), IntakeBatch.objects.count(), TerminalModel.objects.count(),
            AuditEvent.objects.count()) == before
