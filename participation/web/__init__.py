"""Layout helpers, error pages, security headers, home and static pages."""
