"""Users, organisations, roles, sign-in and identity verification."""
