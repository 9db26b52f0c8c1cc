"""EPCIS 2.0 use cases: our records as events, capture, queries, subscriptions and their deliveries."""
