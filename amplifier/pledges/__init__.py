"""Pledges: the supporter's OAuth round trip, the pledge, reconnecting, and their own data."""
