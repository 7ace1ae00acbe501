"""The staff area: writing and managing posts."""
