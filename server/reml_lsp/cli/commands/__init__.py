"""One module per ``reml-run`` subcommand; each exposes ``register(subparsers)``."""
