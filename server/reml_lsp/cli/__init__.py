"""The ``reml-run`` command line: one entry point, one exit-code table, JSON errors everywhere."""
