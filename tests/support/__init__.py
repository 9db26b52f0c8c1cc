"""Helpers the integration and hostile tests share: records made through the services' HTTP APIs, waits
for the events that copy them, and readers of the broker's topics. No tests here; benches import none of it
(bench/_common.py is theirs)."""
