"""Signing staff in and out: the sign-in blueprint, its forms and the session helpers."""
