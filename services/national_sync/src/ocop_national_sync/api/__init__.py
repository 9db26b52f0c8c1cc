"""HTTP routers: translate only."""
