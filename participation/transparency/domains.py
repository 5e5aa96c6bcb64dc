"""The domains' public record: search indexers, API endpoints, exports, feeds, statistics.

One blueprint (``transparency_domains``) for the HTML/CSV/Atom routes; the JSON
endpoints are added to ``api.bp``, so this module must be imported before the
API blueprint is registered (its line in ``BLUEPRINTS`` comes first).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, abort, current_app, render_template

from participation import db
from participation.transparency import (  # noqa: F401 - registering at import
    api_budgets,
    api_hearings,
    api_initiatives,
    exports,
    indexers,
)

#: ``participation transparency dump DIR``
bp = Blueprint("transparency_domains", __name__, cli_group="transparency")

FORMATS = ("csv", "json")


def _subject(kind: str, subject_id: int):
    """The public hearing, initiative or budget process, or 404."""
    if subject_id > 2**31 - 1:
        abort(404)
    if kind == "hearing":
        from participation.hearings.models import Hearing, HearingStatus

        subject = db.session.get(Hearing, subject_id)
        return subject if subject is not None and subject.status != HearingStatus.draft else abort(404)
    if kind == "initiative":
        from participation.initiatives.models import Initiative
        from participation.initiatives.queries import PUBLIC_STATES

        subject = db.session.get(Initiative, subject_id)
        return subject if subject is not None and subject.state in PUBLIC_STATES else abort(404)
    if kind == "budget":
        from participation.budgeting.models import BudgetProcess

        subject = db.session.get(BudgetProcess, subject_id)
        return subject if subject is not None else abort(404)
    abort(404)


@bp.get("/open-data/exports")
def export_list():
    """Every download and what its columns mean."""
    return render_template(
        "transparency/exports.html", exports=exports.exports(), site_exports=exports.site_exports()
    )


@bp.get("/open-data/exports/<name>-columns.json")
def export_columns(name: str):
    export = exports.get(name) or next((e for e in exports.site_exports() if e.name == name), None)
    if export is None:
        abort(404)
    return export.columns_json()


@bp.get("/open-data/tables/<name>.<fmt>")
def site_table(name: str, fmt: str):
    export = next((e for e in exports.site_exports() if e.name == name), None)
    if export is None or fmt not in FORMATS:
        abort(404)
    download = exports.csv_download if fmt == "csv" else exports.json_download
    return download(export, None, f"{name}.{fmt}")


@bp.get("/open-data/<kind>/<int:subject_id>/<name>.<fmt>")
def subject_export(kind: str, subject_id: int, name: str, fmt: str):
    export = exports.get(name)
    if export is None or export.subject != kind or fmt not in FORMATS:
        abort(404)
    subject = _subject(kind, subject_id)
    download = exports.csv_download if fmt == "csv" else exports.json_download
    return download(export, subject, f"{name}-{subject_id}.{fmt}")


@bp.app_context_processor
def _export_helpers():
    return {"subject_exports": lambda kind: [e for e in exports.exports() if e.subject == kind]}


@bp.cli.command("dump")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def dump_command(directory: Path) -> None:
    """Write all public data (CSV + JSON, column descriptions) and the ledger (JSONL) into DIRECTORY."""
    base_url = current_app.config.get("BASE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base_url):
        written = exports.dump(directory)
    click.echo(f"Wrote {len(written)} files to {directory}.")


from participation.transparency import feeds_domains, statistics_pages  # noqa: E402, F401 - routes
