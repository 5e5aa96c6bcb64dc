"""The domains' public record: search indexers, API endpoints, exports, feeds, statistics.

One blueprint (``transparency_domains``) for the HTML/CSV/Atom routes; the JSON
endpoints are added to ``api.bp``, so this module must be imported before the
API blueprint is registered (its line in ``BLUEPRINTS`` comes first).
"""

from __future__ import annotations

from flask import Blueprint

from participation.transparency import (  # noqa: F401 - registering at import
    api_budgets,
    api_hearings,
    api_initiatives,
    indexers,
)

bp = Blueprint("transparency_domains", __name__)
