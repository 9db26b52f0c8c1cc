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


@pytest.mark.parametrize(
    "token_kwargs, key, code",
    [
        ({"role": "official", "ttl": timedelta(seconds=-5)}, "k", "token_expired"),
        ({"role": "official"}, "other-key", "invalid_token"),
    ],
)
def test_bad_tokens_are_refused(token_kwargs, key, code):
    with pytest.raises(Unauthorized) as err:
        decode_token(key, mint_token("k", **token_kwargs))
    assert err.value.code == code


def test_roles_are_checked_when_minting():
    with pytest.raises(ValueError):
        mint_token("k", role="admin")
    with pytest.raises(ValueError):
        mint_token("k", role="producer")


def test_key_rotation_accepts_previous_keys_until_dropped():
    old_token, new_token = mint_token("old", role="official"), mint_token("new", role="official")
    assert decode_token(("new", "old"), old_token).role == "official"  # during the overlap
    assert decode_token(("new", "old"), new_token).role == "official"
    with pytest.raises(Unauthorized) as err:
        decode_token(("new",), old_token)  # once the old key is dropped
    assert err.value.code == "invalid_token"


async def test_routes_accept_every_verify_key_and_no_other():
    import httpx
    from fastapi import Depends, FastAPI

    from ocop_shared.auth import Principal, require
    from ocop_shared.web import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)
    app.state.jwt_key, app.state.jwt_issuer = "new", "ocop"
    app.state.jwt_verify_keys = ("new", "old")

    @app.get("/who")
    async def who(principal: Principal = Depends(require("official"))) -> dict:
        return {"sub": principal.subject}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for key, status in (("new", 200), ("old", 200), ("stolen", 401)):
            resp = await client.get("/who", headers={"Authorization": f"Bearer {mint_token(key, role='official')}"})
            assert resp.status_code == status, (key, resp.text)
