"""What is shown of products: one product with its current certificate and listings (API), the console's
product list and product page. Plain reads, outside any transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocop_registry.app import policy
from ocop_registry.app.commands import SearchProducts
from ocop_registry.app.ports import CertificateQuery, ProductQuery, UnitOfWork
from ocop_registry.app.producers import province_options
from ocop_registry.app.products import product_for
from ocop_registry.domain.certificate import Certificate, CertificateStatus
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.scoring import Evaluation
from ocop_registry.domain.snapshots import certificate_snapshot
from ocop_shared.auth import Principal
from ocop_shared.vocabulary import GROUP_NAMES


@dataclass(frozen=True)
class ProductView:
    product: Product
    certificate: dict[str, Any] | None  # the current certificate as events carry it, with level and kind
    listings: list[dict[str, Any]]  # where it is listed, as marketplace_sync reports it


async def product_view(product_id: str, principal: Principal, uow: UnitOfWork) -> ProductView:
    product, _producer = await product_for(principal, uow, product_id, write=False)
    current = await uow.certificates.get(product.current_certificate_id) if product.current_certificate_id else None
    certificate = (
        certificate_snapshot(current).model_dump(mode="json") | {"level": current.level, "kind": current.kind.value}
        if current
        else None
    )
    return ProductView(product, certificate, await uow.listings.of_product(product_id))


@dataclass(frozen=True)
class ProductRow:
    product: Product
    producer: Producer
    certificate: Certificate | None


@dataclass(frozen=True)
class ProductSearch:
    rows: list[ProductRow]  # by producer, then product name
    provinces: list[tuple[str | None, str | None]]  # (code, name) of the producers the caller sees


async def search_products(cmd: SearchProducts, principal: Principal, uow: UnitOfWork) -> ProductSearch:
    scope = principal.scope
    found = await uow.products.select(
        ProductQuery(producer_id=scope.producer_id, group=cmd.group if cmd.group in GROUP_NAMES else None, limit=2000)
    )
    producers = await uow.producers.many({p.producer_id for p in found})
    current = [p.current_certificate_id for p in found if p.current_certificate_id]
    certificates = (
        {c.id: c for c in await uow.certificates.select(CertificateQuery(ids=tuple(current)))} if current else {}
    )
    visible = [
        (p, producers[p.producer_id])
        for p in found
        if p.producer_id in producers and policy.may_see(principal, producers[p.producer_id])
    ]
    needle = cmd.q.strip().lower()
    rows = [
        ProductRow(p, producer, certificates.get(p.current_certificate_id or ""))
        for p, producer in visible
        if (not needle or needle in p.name.lower() or needle in (producer.public_name or "").lower())
        and cmd.in_place(producer)
    ]
    if cmd.stars:
        rows = [r for r in rows if r.certificate is not None and str(r.certificate.stars) == cmd.stars]
    rows.sort(key=lambda r: (r.producer.public_name or "", r.product.name))
    return ProductSearch(rows, province_options(producer for _, producer in visible))


@dataclass(frozen=True)
class ProductPage:
    product: Product
    producer: Producer
    history: list[Certificate]  # newest first
    evaluations: list[Evaluation]  # newest first
    active: Certificate | None

    @property
    def certificate(self) -> Certificate | None:
        """The certificate the page shows: the active one, else the last one."""
        return self.active or (self.history[0] if self.history else None)


async def product_page(product_id: str, principal: Principal, uow: UnitOfWork) -> ProductPage:
    product, producer = await product_for(principal, uow, product_id, write=False)
    history = await uow.certificates.select(CertificateQuery(product_id=product_id, sort="issued_on"))
    evaluations = await uow.evaluations.of_product(product_id, sort="recorded_at")
    active = next((c for c in history if c.status is CertificateStatus.active), None)
    return ProductPage(product, producer, list(reversed(history)), list(reversed(evaluations)), active)
