"""Vectors T1, T2, T3, T5, S1, S2 from the payments reference, plus negative cases."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from payments.signing import (
    TINKOFF_NETWORKS,
    YOOKASSA_NETWORKS,
    in_networks,
    sber_checksum,
    tinkoff_token,
    verify_sber_checksum,
    verify_tinkoff_token,
)

GIFT = "Подарочная карта на 1000 рублей"

T1_FIELDS: dict[str, object] = {
    "Amount": 19200,
    "Description": GIFT,
    "OrderId": "00000",
    "TerminalKey": "MerchantTerminalKey",
}
T1_PASSWORD = "11111111111111"
T1_TOKEN = "72dd466f8ace0a37a1f740ce5fb78101712bc0665d91a8108c7c8a0ccd426db2"

T2_FIELDS: dict[str, object] = {
    "TerminalKey": "MerchantTerminalKey",
    "Amount": 19200,
    "OrderId": "21090",
    "Description": GIFT,
    "DATA": {"Phone": "+71234567890", "Email": "a@test.com"},
    "Receipt": {
        "Email": "a@test.ru",
        "Phone": "+79031234567",
        "Taxation": "osn",
        "Items": [
            {
                "Name": "Наименование товара 1",
                "Price": 10000,
                "Quantity": 1,
                "Amount": 10000,
                "Tax": "vat10",
            },
        ],
    },
}
T2_PASSWORD = "usaf8fw8fsw21g"
T2_TOKEN = "0024a00af7c350a3a67ca168ce06502aa72772456662e38696d48b56ee9c97d9"

T3_FIELDS: dict[str, object] = {
    "TerminalKey": "1321054611234DEMO",
    "OrderId": "201709",
    "Success": True,
    "Status": "AUTHORIZED",
    "PaymentId": 8742591,
    "ErrorCode": "0",
    "Amount": 9855,
    "CardId": 322264,
    "Pan": "430000******0777",
    "ExpDate": "1122",
    "RebillId": 101709,
}
T3_PASSWORD = "Dfsfh56dgKl"
T3_TOKEN = "b906d28e76c6428e37b25fcf86c0adc52c63d503013fdd632e300593d165766b"

T5_FIELDS: dict[str, object] = {
    "TerminalKey": "1234567890DEMO",
    "Amount": 350000,
    "OrderId": "booking-42",
    "Description": "Фотосессия 2 часа",
    "PayType": "O",
    "DATA": {"booking": "42"},
    "Receipt": {"Email": "c@example.com", "Taxation": "usn_income", "Items": []},
}
T5_PASSWORD = "secret_pw_1"
T5_TOKEN = "d4bae9902a94e254cb9e8b01764e29699a1a847fbb4a7b45fcbb02645ae874aa"

SBER_KEY = "test-callback-token"
S1_PARAMS = {
    "amount": "123456",
    "mdOrder": "3ff6962a-7dcc-4283-ab50-a6d7dd3386fe",
    "operation": "deposited",
    "orderNumber": "10747",
    "status": "1",
}
S1_CHECKSUM = "F42D2A26E3E43072E4D83182AC20CD144DB92A021BAD492E737FE1226464C91F"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- T-Bank Token -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "password", "concatenation", "token"),
    [
        pytest.param(
            T1_FIELDS,
            T1_PASSWORD,
            f"19200{GIFT}0000011111111111111MerchantTerminalKey",
            T1_TOKEN,
            id="T1",
        ),
        pytest.param(
            T2_FIELDS,
            T2_PASSWORD,
            f"19200{GIFT}21090usaf8fw8fsw21gMerchantTerminalKey",
            T2_TOKEN,
            id="T2",
        ),
        pytest.param(
            T3_FIELDS,
            T3_PASSWORD,
            "985532226401122201709430000******0777Dfsfh56dgKl8742591101709AUTHORIZEDtrue"
            "1321054611234DEMO",
            T3_TOKEN,
            id="T3",
        ),
        pytest.param(
            T5_FIELDS,
            T5_PASSWORD,
            "350000Фотосессия 2 часаbooking-42secret_pw_1O1234567890DEMO",
            T5_TOKEN,
            id="T5",
        ),
    ],
)
def test_tinkoff_token_vectors(
    fields: dict[str, object], password: str, concatenation: str, token: str
) -> None:
    assert _sha(concatenation) == token  # the vector is self-consistent
    assert tinkoff_token(fields, password) == token
    assert verify_tinkoff_token({**fields, "Token": token}, password)


def test_tinkoff_token_ignores_existing_token_field() -> None:
    assert tinkoff_token({**T1_FIELDS, "Token": "whatever"}, T1_PASSWORD) == T1_TOKEN


def test_tinkoff_token_string_and_number_values_sign_alike() -> None:
    as_strings = {**T3_FIELDS, "PaymentId": "8742591", "CardId": "322264", "Amount": "9855"}
    assert tinkoff_token(as_strings, T3_PASSWORD) == T3_TOKEN


def test_tinkoff_token_booleans_are_lowercase_words() -> None:
    assert tinkoff_token({"Success": True}, "pw") == _sha("pwtrue")
    assert tinkoff_token({"Success": False}, "pw") == _sha("pwfalse")
    # "Success" sorts after "Password", so the order is password, then the flag.
    assert tinkoff_token({"Success": True}, "pw") != _sha("pwTrue")


def test_tinkoff_token_skips_nulls() -> None:
    assert tinkoff_token({**T1_FIELDS, "CustomerKey": None}, T1_PASSWORD) == T1_TOKEN


def test_tinkoff_token_ignores_nested_objects_and_arrays() -> None:
    noisy = {
        **T1_FIELDS,
        "DATA": {"Email": "x@example.com"},
        "Receipt": {"Items": [{"Amount": 19200}]},
        "Shops": [{"ShopCode": "1", "Amount": 19200}],
        "Tuple": ("a", "b"),
    }
    assert tinkoff_token(noisy, T1_PASSWORD) == T1_TOKEN


def test_tinkoff_token_password_field_in_input_is_replaced() -> None:
    assert tinkoff_token({**T1_FIELDS, "Password": "attacker"}, T1_PASSWORD) == T1_TOKEN


def test_verify_tinkoff_token_rejects_changed_amount() -> None:
    forged = {**T3_FIELDS, "Amount": 9856, "Token": T3_TOKEN}
    assert not verify_tinkoff_token(forged, T3_PASSWORD)


def test_verify_tinkoff_token_rejects_changed_status() -> None:
    forged = {**T3_FIELDS, "Status": "CONFIRMED", "Token": T3_TOKEN}
    assert not verify_tinkoff_token(forged, T3_PASSWORD)


def test_verify_tinkoff_token_rejects_wrong_password() -> None:
    assert not verify_tinkoff_token({**T3_FIELDS, "Token": T3_TOKEN}, "not-the-password")


@pytest.mark.parametrize("token", [None, "", 12345, "zz", T3_TOKEN[:-1], "ё" * 64])
def test_verify_tinkoff_token_rejects_missing_or_malformed(token: object) -> None:
    fields: dict[str, object] = dict(T3_FIELDS)
    if token is not None:
        fields["Token"] = token
    assert not verify_tinkoff_token(fields, T3_PASSWORD)


def test_verify_tinkoff_token_is_hex_case_insensitive() -> None:
    assert verify_tinkoff_token({**T3_FIELDS, "Token": T3_TOKEN.upper()}, T3_PASSWORD)


def test_verify_tinkoff_token_ignores_added_nested_data() -> None:
    fields = {**T3_FIELDS, "DATA": {"booking": "1"}, "Token": T3_TOKEN}
    assert verify_tinkoff_token(fields, T3_PASSWORD)


# --- Sber checksum ------------------------------------------------------------------------


def test_sber_checksum_s1() -> None:
    message = (
        "amount;123456;mdOrder;3ff6962a-7dcc-4283-ab50-a6d7dd3386fe;operation;deposited;"
        "orderNumber;10747;status;1;"
    )
    expected = hmac.new(SBER_KEY.encode(), message.encode(), hashlib.sha256).hexdigest().upper()
    assert expected == S1_CHECKSUM
    assert sber_checksum(S1_PARAMS, SBER_KEY) == S1_CHECKSUM


def test_sber_checksum_s2_ignores_checksum_and_sign_alias() -> None:
    params = {**S1_PARAMS, "sign_alias": "SHA-256", "checksum": "ANYTHING"}
    assert sber_checksum(params, SBER_KEY) == S1_CHECKSUM
    assert verify_sber_checksum({**params, "checksum": S1_CHECKSUM}, SBER_KEY)


def test_sber_checksum_is_order_independent() -> None:
    reversed_params = dict(reversed(list(S1_PARAMS.items())))
    assert sber_checksum(reversed_params, SBER_KEY) == S1_CHECKSUM


def test_verify_sber_checksum_accepts_lowercase_hex() -> None:
    assert verify_sber_checksum({**S1_PARAMS, "checksum": S1_CHECKSUM.lower()}, SBER_KEY)


def test_verify_sber_checksum_rejects_changed_amount() -> None:
    forged = {**S1_PARAMS, "amount": "123457", "checksum": S1_CHECKSUM}
    assert not verify_sber_checksum(forged, SBER_KEY)


def test_verify_sber_checksum_rejects_added_parameter() -> None:
    forged = {**S1_PARAMS, "extra": "1", "checksum": S1_CHECKSUM}
    assert not verify_sber_checksum(forged, SBER_KEY)


def test_verify_sber_checksum_rejects_wrong_key() -> None:
    assert not verify_sber_checksum({**S1_PARAMS, "checksum": S1_CHECKSUM}, "other-token")


@pytest.mark.parametrize("checksum", [None, "", "F42D", "Ж" * 64])
def test_verify_sber_checksum_rejects_missing_or_malformed(checksum: str | None) -> None:
    params = dict(S1_PARAMS)
    if checksum is not None:
        params["checksum"] = checksum
    assert not verify_sber_checksum(params, SBER_KEY)


# --- Source networks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "185.71.76.0",
        "185.71.76.31",
        "185.71.77.10",
        "77.75.153.127",
        "77.75.156.11",
        "77.75.156.35",
        "77.75.154.200",
        "2a02:5180::1",
        "2a02:5180:0:1509::10",
        "2a02:5180:ffff:ffff:ffff:ffff:ffff:ffff",
        "::ffff:185.71.76.5",
        " 185.71.76.5 ",
    ],
)
def test_yookassa_networks_accept(address: str) -> None:
    assert in_networks(address, YOOKASSA_NETWORKS)


@pytest.mark.parametrize(
    "address",
    [
        "185.71.76.32",
        "77.75.153.128",
        "77.75.156.12",
        "77.75.154.127",
        "2a02:5181::1",
        "2a02:517f:ffff::1",
        "::1",
        "127.0.0.1",
        "",
        "not-an-ip",
        "185.71.76",
        "185.71.76.5/27",
        "999.1.1.1",
        "2a02:5180::zz",
    ],
)
def test_yookassa_networks_reject(address: str) -> None:
    assert not in_networks(address, YOOKASSA_NETWORKS)


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("91.194.226.1", True),
        ("91.194.227.255", True),
        ("91.194.228.0", False),
        ("91.218.132.0", True),
        ("91.218.135.255", True),
        ("91.218.136.0", False),
        ("212.233.83.1", True),
        ("212.233.84.1", False),
        ("2a02:5180::1", False),
    ],
)
def test_tinkoff_networks(address: str, inside: bool) -> None:
    assert in_networks(address, TINKOFF_NETWORKS) is inside


def test_in_networks_ipv6_ranges_and_mixed_families() -> None:
    networks = ["10.0.0.0/8", "2001:db8::/48"]
    assert in_networks("2001:db8:0:ffff::1", networks)
    assert not in_networks("2001:db8:1::1", networks)
    assert in_networks("10.1.2.3", networks)
    assert not in_networks("::ffff:11.0.0.1", networks)


def test_in_networks_empty_list_and_non_string_address() -> None:
    assert not in_networks("185.71.76.5", [])
    assert not in_networks(None, YOOKASSA_NETWORKS)  # type: ignore[arg-type]


def test_in_networks_single_string_is_one_network() -> None:
    assert in_networks("10.1.2.3", "10.0.0.0/8")
    assert not in_networks("0.0.0.1", "10.0.0.0/8")


def test_in_networks_bad_network_spec_is_a_config_error() -> None:
    with pytest.raises(ValueError):
        in_networks("10.0.0.1", ["10.0.0.0/33"])
