from datetime import timedelta

import pytest

from ocop_shared.auth import decode_token, load_or_create_key, mint_token
from ocop_shared.errors import Unauthorized


def test_key_is_created_once_with_private_mode(tmp_path):
    key = load_or_create_key(tmp_path)
    assert load_or_create_key(tmp_path) == key and len(key) == 64
    assert (tmp_path / "jwt.key").stat().st_mode & 0o777 == 0o600


def test_producer_token_carries_producer_id():
    p = decode_token("k", mint_token("k", role="producer", producer_id="p-1"))
    assert (p.role, p.producer_id) == ("producer", "p-1")
    assert p.owns("p-1") and not p.owns("p-2")
    assert decode_token("k", mint_token("k", role="official")).owns("p-2")


@pytest.mark.parametrize("token_kwargs, key, code", [
    ({"role": "official", "ttl": timedelta(seconds=-5)}, "k", "token_expired"),
    ({"role": "official"}, "other-key", "invalid_token"),
])
def test_bad_tokens_are_refused(token_kwargs, key, code):
    with pytest.raises(Unauthorized) as err:
        decode_token(key, mint_token("k", **token_kwargs))
    assert err.value.code == code


def test_roles_are_checked_when_minting():
    with pytest.raises(ValueError):
        mint_token("k", role="admin")
    with pytest.raises(ValueError):
        mint_token("k", role="producer")
