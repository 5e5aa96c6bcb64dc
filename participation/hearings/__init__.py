"""Public hearings on draft laws (Constitution s.77, Act on Legislative Drafting B.E. 2562)."""
