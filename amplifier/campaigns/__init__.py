"""Campaigns: their rules, life (create, judge, cancel), consent, personalisation, moderation,
report."""
