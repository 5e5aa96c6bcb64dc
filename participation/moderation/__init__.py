"""Flags, moderation actions, blocks, appeals and the public moderation log."""
