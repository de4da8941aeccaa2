"""The evaluation's pages, one module per stage, with the stems of its services and forms."""
