"""Every write of the traceability app, one module per thing written: `batches` (a product's batches,
who may change them, and a value-chain step recorded from a batch's form) and `events` (EPCIS 2.0 events:
capture through the REST binding, and recording one event, each appended to the transparency log)."""
