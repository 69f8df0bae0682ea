"""Releasing a campaign: what is due, preparing before T, firing at T, settling doubts.

Reads downward only: the campaigns, pledges and platforms rooms, and the ground floor.
"""
