"""Registry subscribers (traceability and marketplace events feed its reports; see issue 4)."""
