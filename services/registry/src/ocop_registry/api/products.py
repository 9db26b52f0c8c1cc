"""Products, evaluations: officials write; a producer reads its own; scope-limited officials their province."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ocop_registry.adapters.repository import EvaluationRepository, ProducerRepository, ProductRepository
from ocop_registry.api.deps import in_scope, producer_for, runtime, visible_product as _visible_product
from ocop_registry.api.schemas import EvaluationIn, EvaluationOut, ProductIn, ProductOut, ProductPatch
from ocop_registry.app.evaluations import record_evaluation
from ocop_registry.app.products import register_product, update_product
from ocop_registry.domain.product import ProductGroup
from ocop_shared.auth import Principal, require

router = APIRouter(tags=["products"])
Writer = Annotated[Principal, Depends(require("official", "operator"))]
Reader = Annotated[Principal, Depends(require("official", "operator", "producer"))]


def _out(product, certificate) -> ProductOut:
    return ProductOut.model_validate({**product.model_dump(), "certificate": certificate})


@router.post("/products", status_code=201, response_model=ProductOut, summary="Register a product")
async def create_product(body: ProductIn, request: Request, principal: Writer) -> ProductOut:
    await producer_for(request, principal, body.producer_id, write=True)
    product = await register_product(body.model_dump(), runtime(request).uow())
    return _out(product, None)


@router.get("/products/{product_id}", response_model=ProductOut, summary="A product with its current certificate")
async def get_product(product_id: str, request: Request, principal: Reader) -> ProductOut:
    product, certificate = await _visible_product(request, principal, product_id, write=False)
    out = _out(product, certificate)
    out.listings = [{k: v for k, v in d.items() if k != "_id"} for d in
                    await runtime(request).db.listing_status.find({"product_id": product_id}).sort("platform", 1).to_list()]
    return out


@router.patch("/products/{product_id}", response_model=ProductOut, summary="Change product facts")
async def patch_product(product_id: str, body: ProductPatch, request: Request, principal: Writer) -> ProductOut:
    await _visible_product(request, principal, product_id, write=True)
    product = await update_product(product_id, body.model_dump(exclude_unset=True), runtime(request).uow())
    return (await get_product(product.id, request, principal))


@router.get("/products", response_model=list[ProductOut], summary="Products (a producer sees only its own)")
async def list_products(request: Request, principal: Reader,
                        producer_id: str | None = None, group: ProductGroup | None = None,
                        q: Annotated[str | None, Query(max_length=100)] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100,
                        skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[ProductOut]:
    query: dict = {}
    if principal.role == "producer":
        query["producer_id"] = principal.producer_id
    elif producer_id:
        query["producer_id"] = producer_id
    if group:
        query["group"] = group.value
    products = await ProductRepository(runtime(request).db).find(query, limit=limit, skip=skip)
    if q:
        needle = q.lower()
        products = [p for p in products if needle in p.name.lower()]
    if principal.role == "official" and principal.provinces:  # only producers in the official's provinces
        producers = await ProducerRepository(runtime(request).db).many(list({p.producer_id for p in products}))
        products = [p for p in products if p.producer_id in producers
                    and in_scope(principal, producers[p.producer_id].province.get("code"))]
    return [_out(p, None) for p in products]


@router.post("/products/{product_id}/evaluations", status_code=201, response_model=EvaluationOut,
             summary="Record a council evaluation; stars are computed from the scores")
async def create_evaluation(product_id: str, body: EvaluationIn, request: Request, principal: Writer) -> EvaluationOut:
    await _visible_product(request, principal, product_id, write=True)
    rt = runtime(request)
    evaluation = await record_evaluation(
        product_id, level=body.level, criteria_version=body.criteria_version, scores=body.scores,
        evaluated_on=body.evaluated_on, recorded_by=principal.subject, council_levels=rt.settings.council_max_stars,
        detail=body.detail, uow=rt.uow())
    return EvaluationOut.model_validate(evaluation.model_dump())


@router.get("/products/{product_id}/evaluations", response_model=list[EvaluationOut])
async def list_evaluations(product_id: str, request: Request, principal: Reader) -> list[EvaluationOut]:
    await _visible_product(request, principal, product_id, write=False)
    found = await EvaluationRepository(runtime(request).db).find({"product_id": product_id})
    return [EvaluationOut.model_validate(e.model_dump()) for e in found]
