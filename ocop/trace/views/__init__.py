"""The traceability pages, one module per part (their addresses are all in ocop/trace/urls.py):
`batches` (the producers' batch pages), `labels` (a batch's QR label sheet), `public` (the consumers'
trace pages), `resolver` (the GS1 Digital Link resolver), `epcis` (the EPCIS 2.0 REST binding) and
`tlog` (the transparency log)."""
