"""The registry's console pages (``/console``): sign-in, products and certificates for producers and
officials, producers, evaluations with live stars, certificate decisions, KPI reports and expiring lists.

Pages only translate: a form is validated with the same input models as the API (``app/inputs``), handed
to the same use cases (which check who may do what) and the result rendered, so the console and the API
obey the same rules. Nothing here imports from ``api/``.
"""

from __future__ import annotations

from ocop_registry.console import councils, dossiers, producers, products, session, staff  # noqa: F401 - they register their pages
from ocop_registry.console.common import console, router

__all__ = ["console", "router"]
