"""Public API, exports, feeds, the verifiable ledger, statistics and search."""
