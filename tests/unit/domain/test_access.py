from datetime import timedelta

import pytest

from kpo.domain.access import Actor, ApiKey, Role, hash_secret, parse_role, split_key
from kpo.domain.errors import Forbidden, ValidationError
from tests.factories import T0


def test_keys_split_into_id_and_secret() -> None:
    assert split_key("kpo_abc123_s3cr_et") == ("abc123", "s3cr_et")
    for bad in ("", "kpo_", "kpo__x", "xyz_a_b", "kpo_a"):
        assert split_key(bad) is None


def test_a_stored_key_matches_only_its_secret() -> None:
    salt = b"0123456789abcdef"
    key = ApiKey("abc", Role.CLIENT, "acme", salt, hash_secret("right", salt), T0)
    assert key.matches("right")
    assert not key.matches("wrong")
    assert hash_secret("right", b"another salt....") != key.digest
    revoked = ApiKey("abc", Role.CLIENT, "acme", salt, key.digest, T0, revoked_at=T0 + timedelta(1))
    assert revoked.revoked


def test_roles_parse_with_a_named_field() -> None:
    assert parse_role(" Vendor ") is Role.VENDOR
    with pytest.raises(ValidationError) as raised:
        parse_role("admin")
    assert raised.value.field == "role"


def test_who_sees_an_item() -> None:
    item = {"client_id": "acme", "specialist_id": "k-1", "holder_vendor_id": "krakow"}
    assert Actor.operator().sees_item(**item)
    assert Actor(Role.CLIENT, "acme").sees_item(**item)
    assert not Actor(Role.CLIENT, "globex").sees_item(**item)
    assert Actor(Role.VENDOR, "krakow").sees_item(**item)
    assert not Actor(Role.VENDOR, "lima").sees_item(**item)
    assert Actor(Role.SPECIALIST, "k-1", "krakow").sees_item(**item)
    assert not Actor(Role.SPECIALIST, "k-2", "krakow").sees_item(**item)
    vendor = Actor(Role.VENDOR, "krakow")
    assert not vendor.sees_item(client_id="acme", specialist_id=None, holder_vendor_id=None)


def test_roles_that_may_never_act_are_forbidden() -> None:
    Actor.operator().require(action="create clients")
    Actor(Role.CLIENT, "acme").require(Role.CLIENT, action="submit")
    with pytest.raises(Forbidden, match="the vendor role may not create clients"):
        Actor(Role.VENDOR, "krakow").require(action="create clients")
