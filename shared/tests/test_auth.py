import asyncio
import base64
import json
from datetime import timedelta

import httpx
import jwt
import pytest
import uvicorn

from ocop_shared.auth import decode_token, load_or_create_key, mint_token
from ocop_shared.errors import Unauthorized
from ocop_shared.keys import KeyRing, RemoteKeys, TokenKeys

RING = KeyRing.generate()
KEYS = RING.verifier()


def test_local_secret_is_created_once_with_private_mode(tmp_path):
    key = load_or_create_key(tmp_path)
    assert load_or_create_key(tmp_path) == key and len(key) == 64
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_producer_token_carries_producer_id():
    p = decode_token(KEYS, mint_token(RING, role="producer", producer_id="p-1"))
    assert (p.role, p.producer_id) == ("producer", "p-1")
    assert p.owns("p-1") and not p.owns("p-2")
    assert decode_token(KEYS, mint_token(RING, role="official")).owns("p-2")


def test_tokens_are_eddsa_with_the_key_id_of_the_signing_key():
    token = mint_token(RING, role="official", session_id="s-1")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": RING.kid, "typ": "JWT"}
    p = decode_token(KEYS, token)
    assert p.session_id == "s-1" and p.issued_at > 0


@pytest.mark.parametrize(
    "token_kwargs, keys, code",
    [
        ({"role": "official", "ttl": timedelta(seconds=-5)}, KEYS, "token_expired"),
        ({"role": "official"}, KeyRing.generate().verifier(), "invalid_token"),
    ],
)
def test_bad_tokens_are_refused(token_kwargs, keys, code):
    with pytest.raises(Unauthorized) as err:
        decode_token(keys, mint_token(RING, **token_kwargs))
    assert err.value.code == code


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_none_hs256_and_a_public_key_used_as_hmac_secret_are_refused():
    claims = {"sub": "x", "role": "official", "iss": "ocop", "exp": 4102444800, "iat": 1}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': RING.kid})}.{_b64(claims)}."
    public_x = RING.jwks()["keys"][0]["x"]
    confused = jwt.encode(claims, public_x, algorithm="HS256", headers={"kid": RING.kid})  # algorithm confusion
    for token in (unsigned, confused, jwt.encode(claims, "k" * 32, algorithm="HS256")):
        with pytest.raises(Unauthorized) as err:
            decode_token(KEYS, token)
        assert err.value.code == "invalid_token"


def test_roles_are_checked_when_minting():
    with pytest.raises(ValueError):
        mint_token(RING, role="admin")
    with pytest.raises(ValueError):
        mint_token(RING, role="producer")


def test_rotation_publishes_the_next_key_before_it_signs_and_keeps_the_previous(tmp_path):
    ring = KeyRing.load_or_create(tmp_path / "jwt")
    assert (tmp_path / "jwt" / "signing.pem").stat().st_mode & 0o777 == 0o600
    assert KeyRing.load_or_create(tmp_path / "jwt").kid == ring.kid  # created once
    published_before = ring.verifier()  # what a verifier fetched before the rotation
    old_token = mint_token(ring, role="official")
    rotated = KeyRing.rotate(tmp_path / "jwt")
    new_token = mint_token(rotated, role="official")
    assert rotated.kid != ring.kid
    assert decode_token(published_before, new_token).role == "official"  # the new key was published as "next"
    assert decode_token(rotated.verifier(), old_token).role == "official"  # the old one stays as "previous"
    twice = KeyRing.rotate(tmp_path / "jwt")
    with pytest.raises(Unauthorized):
        decode_token(twice.verifier(), old_token)  # two rotations later it is gone
    assert len(twice.jwks()["keys"]) == 3 and all("d" not in k for k in twice.jwks()["keys"])  # no private part


async def test_verifiers_fetch_the_jwks_cache_it_and_start_from_the_cache(tmp_path):
    from fastapi import FastAPI

    from ocop_cli.stack import free_port

    ring = KeyRing.generate()
    app = FastAPI()

    @app.get("/.well-known/jwks.json")
    async def jwks() -> dict:
        return ring.jwks()

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))

    task = asyncio.create_task(server.serve())
    cache = tmp_path / "jwks" / "traceability.json"
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        remote = RemoteKeys(f"http://127.0.0.1:{port}/.well-known/jwks.json", cache, min_interval_s=0)
        assert remote.get(ring.kid) is None
        assert await remote.fetch()
        assert decode_token(remote, mint_token(ring, role="official")).role == "official"
    finally:
        server.should_exit = True
        await task
    # the registry is down now: a service starting reads the keys it cached
    offline = RemoteKeys("http://127.0.0.1:9/.well-known/jwks.json", cache)
    assert decode_token(offline, mint_token(ring, role="official")).role == "official"
    assert not await offline.fetch()  # unreachable: the cached keys stay
    assert offline.get(ring.kid) is not None


def test_configured_public_keys_from_a_document_or_a_file(tmp_path):
    document = json.dumps(RING.jwks())
    (tmp_path / "jwks.json").write_text(document)
    for value in (document, str(tmp_path / "jwks.json")):
        keys = TokenKeys.configured(value)
        assert decode_token(keys, mint_token(RING, role="operator")).role == "operator"


async def test_routes_accept_the_published_keys_and_no_other():
    from fastapi import Depends, FastAPI

    from ocop_shared.auth import Principal, require
    from ocop_shared.web import install_error_handlers

    class Runtime:
        token_keys = KEYS

    app = FastAPI()
    install_error_handlers(app)
    app.state.runtime, app.state.jwt_issuer = Runtime(), "ocop"

    @app.get("/who")
    async def who(principal: Principal = Depends(require("official"))) -> dict:
        return {"sub": principal.subject}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for ring, status in ((RING, 200), (KeyRing.generate(), 401)):
            resp = await client.get("/who", headers={"Authorization": f"Bearer {mint_token(ring, role='official')}"})
            assert resp.status_code == status, resp.text
