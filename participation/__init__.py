"""The participation platform."""
