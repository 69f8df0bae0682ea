"""Owners: web logins, API tokens, admins, and rotating the keys that guard stored secrets."""
