"""Identifier checks: USCC, resident ID (strict checksum and date, birthplace only a warning), bank accounts."""

from datetime import date, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum import luhn
from stdnum.cn import ric

from merchants.forms.kyc import BankAccountField, BlacklistEntryForm, ResidentIDField, USCCField
from merchants.identifiers import validate_bank_account, validate_resident_id, validate_uscc

VALID_USCC = "91110000600037341L"


def resident_id(body17: str) -> str:
    """A resident ID with its check digit computed (ISO 7064 MOD 11-2)."""
    assert len(body17) == 17
    return body17 + ric.calc_check_digit(body17 + "0")


def card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


KNOWN_PLACE_ID = resident_id("36042619910101007")  # Jiujiang county, Jiangxi
UNKNOWN_PLACE_ID = resident_id("65999919900101123")  # a county code stdnum does not know


def message(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- USCC -------------------------------------------------------------------------------------

def test_validate_uscc_accepts_and_normalises_spaces_dashes_and_case():
    assert validate_uscc(" 9111 0000-6000 3734 1l ") == VALID_USCC


def test_validate_uscc_rejects_wrong_length_with_the_count():
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc("91110000600037341")
    assert excinfo.value.code == "uscc_length"
    assert "18 characters" in message(excinfo) and "17" in message(excinfo)


def test_validate_uscc_rejects_letters_in_the_region_part():
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc("A1110000600037341L")
    assert excinfo.value.code == "uscc_format"


def test_validate_uscc_names_the_forbidden_characters():
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc("91110000600O37341L")
    assert excinfo.value.code == "uscc_characters"
    assert "“O”" in message(excinfo)


def test_validate_uscc_rejects_a_wrong_check_character():
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc("91110000600037341M")
    assert excinfo.value.code == "uscc_checksum"
    assert "check character" in message(excinfo)


# --- resident ID ------------------------------------------------------------------------------

def test_validate_resident_id_accepts_a_valid_number_with_its_birth_date():
    check = validate_resident_id(KNOWN_PLACE_ID)
    assert check.number == KNOWN_PLACE_ID
    assert check.birth_date == date(1991, 1, 1)
    assert check.warnings == []


def test_validate_resident_id_accepts_x_check_digit_in_lower_case():
    number = resident_id("11010519491231002")
    assert number.endswith("X")
    assert validate_resident_id(number.lower()).number == number


def test_unknown_birthplace_is_a_warning_not_a_rejection():
    assert _stdnum_rejects(UNKNOWN_PLACE_ID)  # stdnum alone would turn this applicant away
    check = validate_resident_id(UNKNOWN_PLACE_ID)
    assert check.number == UNKNOWN_PLACE_ID
    assert len(check.warnings) == 1 and "659999" in check.warnings[0]


def _stdnum_rejects(number: str) -> bool:
    try:
        return not ric.is_valid(number)
    except KeyError:  # stdnum 2.x trips over a known province with an unknown county
        return True


@pytest.mark.parametrize("value,code,needle", [
    ("36042619910101007", "ric_length", "17"),
    ("3604261991010100711", "ric_length", "19"),
    ("360426910101007", "ric_length", "15-digit"),
    ("36042619910101A071", "ric_format", "17 digits"),
    ("36042619910101007Y", "ric_format", "17 digits"),
])
def test_validate_resident_id_rejects_bad_shapes(value, code, needle):
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(value)
    assert excinfo.value.code == code
    assert needle in message(excinfo)


def test_validate_resident_id_rejects_a_wrong_check_digit():
    wrong = KNOWN_PLACE_ID[:-1] + ("2" if KNOWN_PLACE_ID[-1] != "2" else "3")
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(wrong)
    assert excinfo.value.code == "ric_checksum"


def test_validate_resident_id_rejects_an_impossible_birth_date():
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(resident_id("36042619910230007"))
    assert excinfo.value.code == "ric_birth_date"
    assert "1991-02-30" in message(excinfo) and "does not exist" in message(excinfo)


def test_validate_resident_id_rejects_a_birth_date_before_1880():
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(resident_id("36042618010101007"))
    assert excinfo.value.code == "ric_birth_date"


def test_validate_resident_id_rejects_a_birth_date_in_the_future():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(resident_id(f"360426{tomorrow:%Y%m%d}007"))
    assert excinfo.value.code == "ric_birth_date"
    assert "future" in message(excinfo)


# --- bank accounts ----------------------------------------------------------------------------

def test_personal_account_is_a_luhn_valid_card_number_without_spaces():
    number = card("621226020000000000")  # 19 digits
    spaced = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    assert validate_bank_account(spaced, kind="personal") == number


def test_personal_account_rejects_a_luhn_error():
    number = card("622202000000000")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as excinfo:
        validate_bank_account(wrong, kind="personal")
    assert excinfo.value.code == "account_checksum" and "Luhn" in message(excinfo)


@pytest.mark.parametrize("digits", [15, 20])
def test_personal_account_rejects_wrong_length(digits):
    with pytest.raises(ValidationError) as excinfo:
        validate_bank_account(card("6" * (digits - 1)), kind="personal")
    assert excinfo.value.code == "account_length" and str(digits) in message(excinfo)


def test_account_rejects_non_digits():
    with pytest.raises(ValidationError) as excinfo:
        validate_bank_account("6222-0200-0000-0000", kind="corporate")
    assert excinfo.value.code == "account_format"


def test_corporate_account_has_8_to_32_digits_without_luhn():
    assert validate_bank_account("1234 5678", kind="corporate") == "12345678"
    assert validate_bank_account("1" * 32, kind="corporate") == "1" * 32
    for bad in ("1234567", "1" * 33):
        with pytest.raises(ValidationError) as excinfo:
            validate_bank_account(bad, kind="corporate")
        assert excinfo.value.code == "account_length"


def test_account_kind_must_be_known():
    with pytest.raises(ValueError):
        validate_bank_account("12345678", kind="savings")


# --- form fields ------------------------------------------------------------------------------

class KycForm(forms.Form):
    uscc = USCCField(required=False)
    person = ResidentIDField()
    card = BankAccountField(kind="personal", required=False)
    account = BankAccountField(required=False)


def test_form_fields_return_normalised_values_and_expose_warnings():
    form = KycForm({"uscc": "91110000600037341l", "person": UNKNOWN_PLACE_ID.lower(),
                    "card": card("622202000000000"), "account": "1234 5678 9012"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == VALID_USCC
    assert form.cleaned_data["person"] == UNKNOWN_PLACE_ID
    assert form.cleaned_data["account"] == "123456789012"
    assert form.fields["person"].warnings and "659999" in form.fields["person"].warnings[0]


def test_form_fields_put_the_precise_message_next_to_the_field():
    form = KycForm({"uscc": "91110000600037341M", "person": KNOWN_PLACE_ID[:-1], "card": "4111111111111112"})
    assert not form.is_valid()
    assert "check character" in form.errors["uscc"][0]
    assert "18 characters" in form.errors["person"][0]
    assert "Luhn" in form.errors["card"][0]


def test_optional_fields_left_empty_clean_to_empty_strings():
    form = KycForm({"person": KNOWN_PLACE_ID})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == "" and form.cleaned_data["card"] == ""
    assert form.fields["person"].warnings == []


def test_blacklist_form_needs_at_least_one_identifier():
    form = BlacklistEntryForm({"name": "x", "reason": "fraud", "source": "internal"})
    assert not form.is_valid()
    assert "resident ID number" in form.non_field_errors()[0]
