"""The domains' public record: search indexers, API endpoints, exports, feeds, statistics.

One blueprint (``transparency_domains``) for the HTML/CSV/Atom routes; the JSON
endpoints are added to ``api.bp``, so this module must be imported before the
API blueprint is registered (its line in ``BLUEPRINTS`` comes first).
"""

from __future__ import annotations

from flask import Blueprint

from participation.transparency import indexers  # noqa: F401 - registers the search indexers

bp = Blueprint("transparency_domains", __name__)
