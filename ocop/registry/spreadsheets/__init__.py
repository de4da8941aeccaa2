"""Spreadsheets of producers and products: the layout (columns), reading a file, checking its cells,
writing one. Pure: no Django, so the rules are tested directly and reused by the import, the export
views and the benchmark."""
