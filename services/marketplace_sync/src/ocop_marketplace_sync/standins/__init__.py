"""STAND-INS, not the real platforms.

voso.vn and postmart.vn do not publish their seller APIs. These two small servers imitate what such
APIs do — different authentication (OAuth2 client credentials vs HMAC-signed requests), different
payload shapes and category trees, validation errors with field details, rate limits (429 +
Retry-After), injected faults (5xx, timeouts, latency) — so the sync can be built and tested against
something that fails like a real platform. Their state lives in memory. ``GET /__inspect/products``
shows what a shopper would see.
"""
