"""What the services' data migration routes share (``ocop migrate …`` calls them; operators only)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MigrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(default=False, description="report what would change, change nothing")


def dry_run(body: MigrationIn | None) -> bool:
    """No body is a real run."""
    return bool(body and body.dry_run)


__all__ = ["MigrationIn", "dry_run"]
