"""Citizen initiatives: co-authored proposals that collect one signature per person."""
