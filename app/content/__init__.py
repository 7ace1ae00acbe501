"""Content domain logic: HTML sanitising, Markdown rendering, slugs and excerpts."""
