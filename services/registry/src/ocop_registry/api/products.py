"""Products, evaluations: officials write; a producer reads its own; scope-limited officials their province."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ocop_registry.api.deps import Reader, RuntimeDep, Staff
from ocop_registry.api.schemas import EvaluationOut, ProductOut
from ocop_registry.app import evaluations, product_views, products
from ocop_registry.app.commands import ListProducts, RecordEvaluation, RegisterProduct, UpdateProduct
from ocop_registry.app.inputs import EvaluationIn, ProductIn, ProductPatch
from ocop_registry.domain.product import Product, ProductGroup
from ocop_registry.domain.scoring import Evaluation

router = APIRouter(tags=["products"])


def _out(product: Product, certificate: dict | None = None, listings: list[dict] | None = None) -> ProductOut:
    return ProductOut.model_validate({**product.model_dump(), "certificate": certificate, "listings": listings or []})


def _evaluation_out(e: Evaluation) -> EvaluationOut:
    return EvaluationOut.model_validate(e.model_dump())


@router.post("/products", status_code=201, response_model=ProductOut, summary="Register a product")
async def create_product(body: ProductIn, rt: RuntimeDep, principal: Staff) -> ProductOut:
    return _out(await products.register_product(RegisterProduct(body), principal, rt.uow()))


@router.get("/products/{product_id}", response_model=ProductOut, summary="A product with its current certificate")
async def get_product(product_id: str, rt: RuntimeDep, principal: Reader) -> ProductOut:
    view = await product_views.product_view(product_id, principal, rt.uow())
    return _out(view.product, view.certificate, view.listings)


@router.patch("/products/{product_id}", response_model=ProductOut, summary="Change product facts")
async def patch_product(product_id: str, body: ProductPatch, rt: RuntimeDep, principal: Staff) -> ProductOut:
    await products.update_product(UpdateProduct(product_id, body), principal, rt.uow())
    return await get_product(product_id, rt, principal)


@router.get("/products", response_model=list[ProductOut], summary="Products (a producer sees only its own)")
async def list_products(
    rt: RuntimeDep,
    principal: Reader,
    producer_id: str | None = None,
    group: ProductGroup | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ProductOut]:
    cmd = ListProducts(producer_id=producer_id, group=group.value if group else None, q=q, limit=limit, skip=skip)
    return [_out(p) for p in await products.list_products(cmd, principal, rt.uow())]


@router.post(
    "/products/{product_id}/evaluations",
    status_code=201,
    response_model=EvaluationOut,
    summary="Record a council evaluation; stars are computed from the scores",
)
async def create_evaluation(product_id: str, body: EvaluationIn, rt: RuntimeDep, principal: Staff) -> EvaluationOut:
    evaluation = await evaluations.record_evaluation(
        RecordEvaluation(product_id, body), principal, rt.uow(), councils=rt.councils
    )
    return _evaluation_out(evaluation)


@router.get("/products/{product_id}/evaluations", response_model=list[EvaluationOut])
async def list_evaluations(product_id: str, rt: RuntimeDep, principal: Reader) -> list[EvaluationOut]:
    return [_evaluation_out(e) for e in await evaluations.list_evaluations(product_id, principal, rt.uow())]
