"""The demo's council and dossiers (``ocop_cli.demo_dossiers``) loaded over HTTP into a registry of its own
(its own broker and database: the demo's fixed tax codes and accounts stay out of the shared stack): one
council with two decided dossiers and their certificates, one dossier returned to its producer; loading
twice creates nothing new."""

from __future__ import annotations

import asyncio

import pytest

from conftest import KEYS, auth, run_apps
from ocop_cli import demo
from ocop_cli.demo_dossiers import COUNCIL_NAME, DECIDED, DECISION_NO, IN_PROGRESS, load_dossiers
from ocop_cli.demo_users import load_users
from ocop_cli.stack import start_stack
from ocop_shared.auth import mint_token
from tests.support.http import serve

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory):
    s = start_stack(tmp_path_factory.mktemp("demo-dossiers-stack"))
    yield s
    s.stop()


async def test_the_demo_holds_a_decided_council_and_a_dossier_in_progress(demo_stack):
    async with run_apps(demo_stack, services=("registry",), db_suffix="_demo_dossiers") as apps:
        reg = apps["registry"]
        async with serve(apps.apps["registry"]) as url:
            await asyncio.to_thread(demo.load, url, mint_token(KEYS, role="official", subject="demo"))
            await asyncio.to_thread(load_users, url, mint_token(KEYS, role="operator", subject="demo"))
            first = await asyncio.to_thread(load_dossiers, url, KEYS)
            again = await asyncio.to_thread(load_dossiers, url, KEYS)
        assert first.created and not again.created and again.council_id == first.council_id
        staff = auth("official")
        councils = [c for c in (await reg.get("/api/v1/councils", headers=staff)).json() if c["name"] == COUNCIL_NAME]
        assert len(councils) == 1 and councils[0]["status"] == "decided" and len(councils[0]["members"]) == 3
        dossiers = {d["form"]["product_name"]: d for d in (await reg.get("/api/v1/dossiers", headers=staff)).json()}
        for _tax, name, *_rest in DECIDED:
            d = dossiers[name]
            assert d["status"] == "decided" and d["outcome"]["decision_no"] == DECISION_NO
            product = (await reg.get(f"/api/v1/products/{d['product_id']}", headers=staff)).json()
            assert product["certificate"]["status"] == "active"
            assert product["certificate"]["stars"] == d["result"]["stars"]
        assert [dossiers[n]["result"]["stars"] for _t, n, *_r in DECIDED] == [4, 3]
        returned = dossiers[IN_PROGRESS[1]]
        assert returned["status"] == "returned" and len(returned["evidence"]) == 3
        appendix = await reg.get(f"/api/v1/councils/{first.council_id}/appendix.pdf", headers=staff)
        assert appendix.status_code == 200 and appendix.content.startswith(b"%PDF")
        assert len(dossiers) == 3  # the second load made no dossier
