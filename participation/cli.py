"""The ``participation`` command: a Flask group with the platform's commands."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
from flask.cli import FlaskGroup
from sqlalchemy import select

from participation import ROOT, db


def _create_app():
    from participation import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Public hearings, citizen initiatives and participatory budgets."""


# --- database ------------------------------------------------------------------


def alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db.database().url.replace("%", "%%"))
    return cfg


def upgrade_database(revision: str = "heads") -> None:
    """Bring the schema to ``revision`` with Alembic (the only way it changes)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)


@click.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    upgrade_database(revision)
    click.echo("Database is up to date.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_group.command("current")
def db_current() -> None:
    """Show the applied revision."""
    from alembic import command

    command.current(alembic_config(), verbose=False)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
@click.option("--rev-id", help="Revision id, e.g. 0002.")
def db_revision(message: str, autogenerate: bool, rev_id: str | None) -> None:
    """Write a new migration (migrations/versions/YYYYMMDD_<rev>_<slug>.py)."""
    from alembic import command

    cfg = alembic_config()
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    command.revision(cfg, message=message, autogenerate=autogenerate, rev_id=rev_id)


# --- users and organisations ----------------------------------------------------


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.password_option()
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create a verified site administrator (or promote an existing account)."""
    from participation.accounts import services

    user = services.find_user_by_email(email)
    if user is None:
        if len(password) < services.PASSWORD_MIN:
            raise click.BadParameter(f"at least {services.PASSWORD_MIN} characters", param_hint="password")
        user = services.create_user(email=email, password=password, display_name=display_name, verified=True)
    services.set_platform_roles(user, moderator=True, admin=True)
    db.session.commit()
    click.echo(f"Administrator {email} is ready.")


@click.group("orgs")
def orgs_group() -> None:
    """Manage government organisations and their staff."""


@orgs_group.command("create")
@click.argument("slug")
@click.option("--name-th", required=True)
@click.option("--name-en")
@click.option(
    "--kind",
    type=click.Choice(["ministry", "department", "provincial", "local_government", "parliament", "other"]),
    default="other",
)
def orgs_create(slug: str, name_th: str, name_en: str | None, kind: str) -> None:
    """Create an organisation with the short name SLUG."""
    from participation.accounts import services
    from participation.accounts.models import OrganisationKind

    try:
        services.create_organisation(slug=slug, name_th=name_th, name_en=name_en, kind=OrganisationKind(kind))
    except services.AccountError as exc:
        raise click.ClickException(f"cannot create {slug}: {exc.code}") from None
    db.session.commit()
    click.echo(f"Organisation {slug} created.")


@orgs_group.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor")
def orgs_add_member(slug: str, email: str, role: str) -> None:
    """Make the account EMAIL staff of organisation SLUG."""
    from participation.accounts import services
    from participation.accounts.models import MembershipRole, Organisation

    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"no organisation {slug}")
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException("no account with that email address")
    services.set_membership(user, organisation, MembershipRole(role))
    db.session.commit()
    click.echo(f"Added as {role} of {slug}.")


# --- demo -------------------------------------------------------------------------


@click.command("demo")
@click.option("--reset", is_flag=True, help="Refuse nothing: load even if data exists.")
def demo(reset: bool) -> None:
    """Create the schema if needed and load realistic Thai demo data."""
    from participation.demo import load_demo

    upgrade_database()
    created = load_demo(force=reset)
    db.session.commit()
    if created:
        click.echo("Demo data loaded. Demo accounts (password: demo-password-2569):")
        for email, role in created:
            click.echo(f"  {email:40} {role}")
    else:
        click.echo("Demo data is already present; nothing changed.")


# --- ledger -------------------------------------------------------------------------


@click.group("ledger")
def ledger_group() -> None:
    """The public, hash-chained ledger."""


@ledger_group.command("verify")
def ledger_verify() -> None:
    """Recompute the chain; exit 1 naming the first bad entry."""
    from participation.transparency import ledger

    result = ledger.verify()
    if result.ok:
        click.echo(f"OK: {result.checked} entries, head {result.head}")
        return
    click.echo(
        f"FAILED at entry {result.bad_seq}: {result.reason} ({result.checked} entries verified)", err=True
    )
    sys.exit(1)


# --- worker ------------------------------------------------------------------------


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def worker(once: bool, interval: float) -> None:
    """Send queued email and run clock-driven jobs (state changes, counts, retention)."""
    from participation import worker as worker_module

    if once:
        click.echo(worker_module.run_once())
    else:
        worker_module.run_forever(interval)


# --- translations ---------------------------------------------------------------------


@click.group("i18n")
def i18n_group() -> None:
    """Extract, update and compile the Thai and English catalogues."""


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)  # noqa: S603 - fixed argv


@i18n_group.command("update")
def i18n_update() -> None:
    """Extract messages from code and templates and merge them into th and en."""
    from participation.i18n_tools import add_wtforms_messages, fill_english, remove_obsolete

    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "_",
        "--no-location",
        "--sort-output",
        "-o",
        "translations/messages.pot",
        ".",
    )
    add_wtforms_messages(ROOT / "translations" / "messages.pot")
    for locale in ("th", "en"):
        if not (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("init", "-i", "translations/messages.pot", "-d", "translations", "-l", locale)
            continue
        _pybabel(
            "update",
            "-i",
            "translations/messages.pot",
            "-d",
            "translations",
            "-l",
            locale,
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        )
    fill_english(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po")
    remove_obsolete(ROOT / "translations")
    click.echo(
        "Catalogues updated. Translate the empty Thai messages, then run `participation i18n compile`."
    )


@i18n_group.command("compile")
def i18n_compile() -> None:
    """Compile the catalogues (.po) into the files the app reads (.mo)."""
    _pybabel("compile", "-d", "translations", "--statistics")


@i18n_group.command("merge-conflict")
def i18n_merge_conflict() -> None:
    """Resolve a git merge conflict in the catalogues by message id."""
    import tempfile
    from pathlib import Path

    from participation.i18n_tools import merge_catalogues

    for locale in ("th", "en"):
        relative = f"translations/{locale}/LC_MESSAGES/messages.po"
        with tempfile.TemporaryDirectory() as tmp:
            sides = {}
            for stage, name in ((2, "ours"), (3, "theirs")):
                result = subprocess.run(  # noqa: S603 - fixed argv
                    ["git", "show", f":{stage}:{relative}"],  # noqa: S607 - git from PATH
                    cwd=ROOT,
                    capture_output=True,
                    check=False,  # noqa: S607
                )
                if result.returncode != 0:
                    break
                sides[name] = Path(tmp) / f"{name}.po"
                sides[name].write_bytes(result.stdout)
            if len(sides) != 2:
                continue
            added = merge_catalogues(sides["ours"], sides["theirs"], ROOT / relative)
            click.echo(f"{relative}: {added} translations taken from the other side")


def register_commands(app) -> None:
    for command in (db_group, users_group, orgs_group, demo, worker, ledger_group, i18n_group):
        app.cli.add_command(command)
    app.cli.add_command(importlib.import_module("participation.budgeting.cli").budgeting)
