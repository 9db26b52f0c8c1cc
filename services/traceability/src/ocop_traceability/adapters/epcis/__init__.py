"""EPCIS adapters: the event store, capture jobs, named queries and subscriptions, the JSON Schemas, webhooks."""
