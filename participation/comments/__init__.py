"""One public comment system for every commentable subject."""
