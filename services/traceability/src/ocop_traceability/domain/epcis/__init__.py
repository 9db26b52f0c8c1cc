"""EPCIS 2.0 (GS1) for the batch trail, pure: vocabulary, identifiers, the event hash, the mapping of
our records to events, capture parsing, query parameters and the documents served."""
