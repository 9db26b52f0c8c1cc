"""Every Mongo call (repositories behind the unit of work) and every outside client (the portal, Kafka DLQ)."""
