"""Importing producers and products from spreadsheets (layout: ocop.registry.spreadsheets), in the order
of the work: `upload` (who may import, and the checks of a file before it is stored), `plan` (the dry
run: every row checked, on its own and against the database, into creates, updates and errors),
`write` (the all-or-nothing bulk write with its audit events), `jobs` (the bodies of the two background
tasks, their progress and heartbeat) and `messages` (the sentences of the errors)."""
