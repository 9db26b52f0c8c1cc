"""Use cases: the only entry point (events, API, console and the worker call these)."""
