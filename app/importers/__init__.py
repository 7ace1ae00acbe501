"""Moving content in from other platforms (and back out): request-free, run from the CLI."""
