"""``participation budgeting``: import, tally and export real elections (pabulib)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from sqlalchemy import select

from participation import db


@click.group("budgeting")
def budgeting() -> None:
    """Participatory budgets: pabulib import/export, tallies, results."""


def _process_or_exit(key: str):
    from participation.budgeting import services

    process = services.get_process(key)
    if process is None:
        raise click.ClickException(f"no budget process {key!r}")
    return process


def _district_or_exit(process, name: str | None):
    if not process.districts:
        if name:
            raise click.ClickException("this process has no districts")
        return None
    if not name:
        raise click.ClickException("this process has districts: give --district (id or Thai name)")
    for district in process.districts:
        if name in (str(district.id), district.name_th, district.name_en):
            return district
    raise click.ClickException(f"no district {name!r} in this process")


@budgeting.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--organisation",
    "organisation_slug",
    default="pabulib",
    show_default=True,
    help="Slug of the organisation that runs it (created if missing).",
)
@click.option("--slug", help="Slug of the new process (default: from the file name).")
@click.option(
    "--publish/--no-publish",
    default=True,
    show_default=True,
    help="Compute and publish the results (both rules) after the import.",
)
def import_command(path: Path, organisation_slug: str, slug: str | None, publish: bool) -> None:
    """Create a process with the projects and every ballot of the pabulib file PATH."""
    from participation.accounts import services as accounts
    from participation.accounts.models import Organisation, OrganisationKind
    from participation.budgeting import interchange, pabulib, services
    from participation.budgeting.services import BudgetError

    started = time.perf_counter()
    try:
        election = pabulib.read_file(path)
    except pabulib.PabulibError as exc:
        click.echo(f"{path}: {exc}", err=True)
        sys.exit(1)
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == organisation_slug))
    if organisation is None:
        organisation = accounts.create_organisation(
            slug=organisation_slug,
            name_th=organisation_slug,
            name_en=organisation_slug,
            kind=OrganisationKind.other,
        )
    try:
        process = interchange.import_election(
            election, organisation=organisation, slug=slug or interchange.slug_for(path.stem)
        )
    except BudgetError as exc:
        db.session.rollback()
        click.echo(f"{path}: cannot import: {exc.code} {exc.details or ''}".rstrip(), err=True)
        sys.exit(1)
    imported = time.perf_counter()
    db.session.commit()
    click.echo(
        f"Imported {process.slug} (id {process.id}): {len(election.projects)} projects, "
        f"{len(election.votes)} ballots in {imported - started:.2f} s."
    )
    if publish:
        # Voting is over in an imported election: store the results so its page is cheap.
        services.publish_results(process)
        db.session.commit()
        click.echo(f"Results published in {time.perf_counter() - imported:.2f} s.")


@budgeting.command("tally")
@click.argument("process_key", metavar="PROCESS")
@click.option("--rule", type=click.Choice(["greedy", "mes"]), help="Default: the process's rule.")
@click.option("--district", help="District id or name (processes with districts).")
@click.option("--json", "as_json", is_flag=True, help="Print the selected project ids as a JSON list.")
def tally_command(process_key: str, rule: str | None, district: str | None, as_json: bool) -> None:
    """Count the ballots of PROCESS (id or slug) from the database under a rule."""
    from participation.budgeting import services

    process = _process_or_exit(process_key)
    chosen = _district_or_exit(process, district)
    try:
        outcome = services.tally(process, rule, chosen)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(outcome.selected))
        return
    click.echo(f"{outcome.rule}: {len(outcome.selected)} selected, {outcome.total_cost} of {outcome.budget}")
    for project_id in outcome.selected:
        click.echo(f"  {project_id}")


@budgeting.command("export")
@click.argument("process_key", metavar="PROCESS")
@click.option("--district", help="District id or name (processes with districts).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write (default: standard output).",
)
def export_command(process_key: str, district: str | None, output: Path | None) -> None:
    """Write PROCESS as a pabulib .pb file (no voter information)."""
    from participation.budgeting import interchange, pabulib

    process = _process_or_exit(process_key)
    text = pabulib.write(interchange.export_election(process, _district_or_exit(process, district)))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")


@budgeting.command("results")
@click.argument("process_key", metavar="PROCESS")
def results_command(process_key: str) -> None:
    """Compute (or recompute) and publish the results of PROCESS."""
    from participation.budgeting import services

    process = _process_or_exit(process_key)
    try:
        snapshot = services.publish_results(process)
    except services.BudgetError as exc:
        raise click.ClickException(exc.code) from None
    db.session.commit()
    click.echo(f"Results of {process.slug} published: {snapshot.ballots} ballots counted.")
