"""Content rules with no request code: one module per rule (see README "Layout").

What the public may see (visibility), who may do what (permissions), saving posts (publishing)
and pages (pages), slugs (text, slugs), categories and tags (taxonomy, trees), the HTML allowed
in bodies (sanitize, rendering), settings, dates, languages, the menu, lists and archives,
revisions, redirects, password protection and the audit log.
"""
