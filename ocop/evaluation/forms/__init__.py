"""The evaluation's forms, one module per stage, with the stems of its services and views."""
