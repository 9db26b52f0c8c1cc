"""Administrative units of Vietnam, today's and before the 07/2025 reform: check what an address names and
place it in today's units (``place``), keeping what was written. Needs the ``admin-units`` extra of
ocop-shared (vietnam-provinces for today's list, vietnamadminunits' data for the old one and the mapping).

    placement = place(body)            # body: an ocop_shared.addresses.AddressFields
    placement.province, placement.commune      # today's units (AdminUnit)
    placement.recorded, placement.current      # as written; how it was placed (status, candidates)

Refusals (422): ``UnknownUnit`` (with the closest names, diacritics aside) and ``AmbiguousUnit`` (a split
old commune, or one name in several districts: with the candidates).
"""

from __future__ import annotations

from ocop_shared.admin_units.errors import AmbiguousUnit, UnknownUnit
from ocop_shared.admin_units.legacy import data_version
from ocop_shared.admin_units.legacy import warm as _warm_legacy
from ocop_shared.admin_units.placing import Placement, SplitPolicy, place, place_units


def warm() -> None:
    """Build the lookup tables now (≈0.5 s once per process) rather than on the first address."""
    _warm_legacy()


__all__ = ["AmbiguousUnit", "Placement", "SplitPolicy", "UnknownUnit", "data_version", "place", "place_units", "warm"]
