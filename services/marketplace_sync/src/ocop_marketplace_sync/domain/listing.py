"""What we want a platform to show for a certified product (the desired listing)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ocop_shared.events.models import CertificateSnapshot, ProductSnapshot

_AS_THE_PRODUCT_HAS_THEM = {"product_id", "name", "group", "description", "price_vnd", "unit", "images"}


class ListingDraft(BaseModel):
    product_id: str
    version: int = Field(ge=0)
    name: str
    stars: int = Field(ge=3, le=5)
    group: str
    description: str = ""
    price_vnd: int | None = None
    unit: str | None = None
    images: list[str] = Field(default_factory=list)
    seller: str = ""
    province: str = ""
    decision_no: str = ""
    valid_until: str = ""

    @classmethod
    def of(cls, product: ProductSnapshot, certificate: CertificateSnapshot, version: int) -> ListingDraft:
        """From the event's snapshots (event-carried state: they hold all a listing needs)."""
        return cls(
            **product.model_dump(include=_AS_THE_PRODUCT_HAS_THEM),
            version=version,
            stars=certificate.stars,
            seller=product.producer_public_name,
            province=product.province.name,
            decision_no=certificate.decision_no,
            valid_until=certificate.valid_until.isoformat(),
        )

    @property
    def title(self) -> str:
        return f"{self.name} — OCOP {self.stars}★"

    def idempotency_key(self, platform: str) -> str:
        """Same (product, platform, version) → same key, so a retried create never makes a second listing."""
        return f"ocop-{platform}-{self.product_id}-v{self.version}"

    def long_description(self) -> str:
        lines = [
            self.description.strip(),
            f"Sản phẩm OCOP {self.stars} sao, quyết định {self.decision_no}, hiệu lực đến {self.valid_until}.",
            f"Chủ thể: {self.seller} ({self.province}).",
        ]
        return "\n".join(line for line in lines if line)
