"""The GS1 resolver's use cases: which levels of a Digital Link we know, and their links (the linkset).

Levels, the most specific first: the stamp (``/01/G/10/L/21/S``: a stamp of that product and lot), the lot
(``/01/G/10/L``: a batch of the product), the product (``/01/G``: a product copy with that GTIN). A request
for an unknown serial under a known lot is answered with the lot's and the product's links (the standard's
walk up the tree; the scan page and verify JSON still say ``unknown``). We have no consumer product
variants (AI 22): such levels are unknown and the walk goes on above them.

Links (GS1 Web Vocabulary), all in Vietnamese and English (``hreflang``), titles in the caller's language:

- stamp: default = the scan page at the stamp URL itself; ``gs1:verificationService`` = the verify JSON.
- lot: default and ``gs1:traceability`` = the public batch page (origin, growing area, journey);
  ``gs1:epcis`` = the batch's EPCIS events (``/epcis/events`` queried by the lot's class identifier).
- product: default and ``gs1:pip`` = the product page of the registry's public portal;
  ``gs1:certificationInfo`` = its OCOP certificate (stars, decision, validity in the title);
  ``gs1:recallStatus`` while the certificate is revoked (OCOP's withdrawal: *thu hồi*).

Lookups reuse the scan page's caches (stamps, batch parts); the product by GTIN and the batch by lot are
cached here for ``ttl_s`` (a lot, once it exists, always names the same batch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from ocop_shared.i18n import Translator
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.app.scan import ScanService
from ocop_traceability.app.scan_view import BatchParts
from ocop_traceability.domain.batches import Batch
from ocop_traceability.domain.codes import display_serial, normalize_serial
from ocop_traceability.domain.copies import ProductCopy
from ocop_traceability.domain.digital_link import DEFAULT_LINK, GS1_VOC, DigitalLink
from ocop_traceability.domain.linkset import Item, Link
from ocop_traceability.domain.stamps import Stamp

PIP, CERTIFICATION, VERIFICATION, TRACEABILITY, EPCIS, RECALL = (
    GS1_VOC + name
    for name in ("pip", "certificationInfo", "verificationService", "traceability", "epcis", "recallStatus")
)
LINK_TYPES = (DEFAULT_LINK, PIP, CERTIFICATION, VERIFICATION, TRACEABILITY, EPCIS, RECALL)
LANGUAGES = ("vi", "en")  # every page a link leads to answers in both (Accept-Language)
CANONICAL_ROOT = "https://id.gs1.org"  # GS1's canonical Digital Link host, for EPCIS class identifiers


@dataclass(frozen=True)
class Targets:
    """Where links lead: this resolver's root (``OCOP_STAMP_BASE_URL``, lower case) and the registry's public
    portal (``OCOP_REGISTRY_PUBLIC_URL``: ``/san-pham/<product_id>``)."""

    root: str
    portal: str

    @classmethod
    def of(cls, root: str, portal: str) -> Targets:
        scheme, _, host = root.rstrip("/").partition("://")
        return cls(f"{scheme.lower()}://{host.lower()}", portal.rstrip("/"))

    def stamp_json(self, serial: str) -> str:
        return f"{self.root}/api/v1/public/stamps/{serial}"

    def lot_page(self, gtin14: str, lot: str) -> str:
        return f"{self.root}/lo-hang/{gtin14}/{quote(lot, safe='')}"

    def epcis(self, gtin14: str, lot: str) -> str:
        lgtin = f"{CANONICAL_ROOT}/01/{gtin14}/10/{quote(lot, safe='')}"
        return f"{self.root}/epcis/events?" + urlencode({"MATCH_anyEPCClass": lgtin})

    def product_page(self, product_id: str) -> str:
        return f"{self.portal}/san-pham/{quote(product_id, safe='')}"


@dataclass
class Known:
    """What we know of a Digital Link: the product, the batch (with its cached parts) and the stamp."""

    dl: DigitalLink
    product: ProductCopy | None = None
    batch: Batch | None = None
    parts: BatchParts | None = None
    stamp: Stamp | None = None

    @property
    def anything(self) -> bool:
        return self.product is not None


class Resolver:
    def __init__(self, reads: TraceabilityUow, scan: ScanService, targets: Targets, ttl_s: float = 0.5) -> None:
        self.reads, self.scan, self.targets, self.ttl = reads, scan, targets, ttl_s
        self._products: dict[str, tuple[float, list[ProductCopy]]] = {}
        self._batches: dict[str, tuple[float, Batch | None]] = {}

    async def _products_of(self, gtin14: str) -> list[ProductCopy]:
        hit = self._products.get(gtin14)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        products = await self.reads.products.by_gtin(gtin14)
        self._products[gtin14] = (time.monotonic() + self.ttl, products)
        if len(self._products) > 50_000:
            self._products.pop(next(iter(self._products)))
        return products

    async def _batch(self, product_id: str, lot: str) -> Batch | None:
        key = f"{product_id}:{lot}"
        hit = self._batches.get(key)
        if hit and (hit[1] is not None or hit[0] > time.monotonic()):
            return hit[1]
        batch = await self.reads.batches.by_lot(product_id, lot)
        self._batches[key] = (time.monotonic() + self.ttl, batch)
        if len(self._batches) > 100_000:
            self._batches.pop(next(iter(self._batches)))
        return batch

    async def known(self, dl: DigitalLink) -> Known:
        """The levels of ``dl`` we hold. Lots and serials are matched as the stamps print them (upper case;
        a serial as typed is forgiven like on the scan page). Should several products carry the GTIN, the
        stamp's or the lot's product is the one, else the first with a certificate in force."""
        known = Known(dl)
        products = await self._products_of(dl.gtin)
        if not products:
            return known
        active = [p for p in products if p.certificate and p.certificate.status == "active"]
        known.product = (active or products)[0]
        if dl.variant is not None:
            return known  # no consumer product variants here: only the product level
        stamp = await self.scan.stamp(normalize_serial(dl.serial)) if dl.serial is not None else None
        if stamp is not None:
            owner = next((p for p in products if p.id == stamp.product_id), None)
            stamp = stamp if owner is not None else None
            known.product = owner or known.product
        if dl.lot is not None:
            others = [p for p in products if p is not known.product and stamp is None]
            for product in (known.product, *others):
                batch = await self._batch(product.id, dl.lot.upper())
                if batch is not None:
                    known.product, known.batch = product, batch
                    known.parts = await self.scan.batch_parts(batch.id)
                    break
            if stamp is not None and (known.batch is None or stamp.batch_id != known.batch.id):
                stamp = None  # a real serial under another lot: unknown, as on the scan page
        known.stamp = stamp
        return known

    def items(self, known: Known, t: Translator) -> list[Item]:
        """The context objects of the linkset: one per known level, the most specific first."""
        product, root, targets = known.product, self.targets.root, self.targets
        if product is None:
            return []
        parts = known.parts
        current = parts.product if parts and parts.product else product
        name = current.name
        gtin = known.dl.gtin
        hreflang = LANGUAGES
        items = []
        if known.stamp is not None:
            stamp = known.stamp
            lot = f"/10/{quote(known.batch.lot, safe='')}" if known.batch is not None else ""
            anchor = f"{root}/01/{gtin}{lot}/21/{stamp.id}"
            page = Link(DEFAULT_LINK, anchor, t("link.stamp_page"))
            verification = Link(
                VERIFICATION, targets.stamp_json(stamp.id), t("link.verification"), "application/json", hreflang
            )
            items.append(Item(anchor, t("item.stamp", code=display_serial(stamp.id), name=name), page, (verification,)))
        if known.batch is not None:
            lot = known.batch.lot
            page_url = targets.lot_page(gtin, lot)
            trail = Link(TRACEABILITY, page_url, t("link.traceability", lot=lot), "text/html", hreflang)
            epcis = Link(EPCIS, targets.epcis(gtin, lot), t("link.epcis", lot=lot), "application/json", hreflang)
            items.append(
                Item(
                    f"{root}/01/{gtin}/10/{quote(lot, safe='')}",
                    t("item.lot", lot=lot, name=name),
                    Link(DEFAULT_LINK, page_url, trail.title),
                    (trail, epcis),
                )
            )
        pip = Link(PIP, targets.product_page(current.id), t("link.pip", name=name), "text/html", hreflang)
        links = [pip]
        cert = current.certificate
        if cert is not None:
            title = t(
                "link.certification",
                stars=cert.stars,
                decision=cert.decision_no,
                start=t.date(cert.issued_on),
                end=t.date(cert.valid_until),
                status=t(f"cert_status.{cert.status}"),
            )
            links.append(Link(CERTIFICATION, pip.href + "#chung-nhan", title, "text/html", hreflang))
            if cert.status == "revoked":
                links.append(Link(RECALL, pip.href + "#chung-nhan", t("link.recall"), "text/html", hreflang))
        items.append(Item(f"{root}/01/{gtin}", name, Link(DEFAULT_LINK, pip.href, pip.title), tuple(links)))
        return items
