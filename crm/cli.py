"""Command-line entry points; each is a thin wrapper around a service function."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from crm.auth.lockout import clear_failures
from crm.auth.permissions import Role
from crm.auth.services import create_user, find_user_by_username
from crm.backup import BackupError, backup_to, check, restore_from
from crm.channels.mail_cli import mail_fetch_command, mail_ingest_command
from crm.customers.import_cli import import_customers_command, import_undo_command
from crm.database import utcnow
from crm.demo import DEMO_PASSWORD, database_is_empty
from crm.demo.seed import Sizes, seed_all
from crm.errors import DomainError
from crm.extensions import db
from crm.scheduler import run_once, serve


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="Role to grant; repeat for several.",
)
@click.option("--display-name", help="Name shown in the UI (defaults to USERNAME).")
@click.option("--email", help="E-mail address.")
def create_user_command(
    username: str, roles: tuple[str, ...], display_name: str | None, email: str | None
) -> None:
    """Create a user and print a generated password (shown once)."""
    try:
        user, password = create_user(
            actor=None,
            username=username,
            display_name=display_name or username,
            roles=roles,
            email=email,
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created user {user.username} ({', '.join(sorted(user.roles))}).")
    click.echo(f"Password (shown once): {password}")


@click.command("unlock-user")
@with_appcontext
@click.argument("username")
def unlock_user_command(username: str) -> None:
    """Forget USERNAME's failed sign-ins from every client, so no wait holds them up (audited)."""
    user = find_user_by_username(username)
    if user is None:
        raise click.ClickException(f"There is no user {username!r}.")
    cleared = clear_failures(actor=None, user=user)
    db.session.commit()
    click.echo(f"Cleared {cleared} failed sign-in(s) of {user.username}; they can sign in now.")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has any user.")
@click.option("--customers", default=Sizes.customers, show_default=True, help="Customers to add.")
@click.option(
    "--interactions", default=Sizes.interactions, show_default=True, help="Interactions to add."
)
@click.option("--cases", default=Sizes.cases, show_default=True, help="Past cases (with surveys).")
@click.option(
    "--callbacks", default=Sizes.callbacks, show_default=True, help="Past callback tasks to add."
)
@click.option("--reviews", default=Sizes.reviews, show_default=True, help="QA reviews to score.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
def seed_demo_command(
    if_empty: bool,
    customers: int,
    interactions: int,
    cases: int,
    callbacks: int,
    reviews: int,
    seed: int,
) -> None:
    """Load a demo department (one account per role, customers, a year of history and today's
    work, relative to today); refused in production."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is not loaded in production (CRM_ENV=production).")
    if if_empty and not database_is_empty():
        click.echo("The database already has users; no demo data loaded.")
        return
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    sizes = Sizes(customers, interactions, cases, callbacks, reviews)
    seeded = seed_all(sizes, rng=rng, now=utcnow())
    db.session.commit()
    click.echo(f"Demo accounts created: {seeded.accounts} (password: {DEMO_PASSWORD}).")
    click.echo(
        f"Customers added: {customers}; interactions added: {interactions}; past cases added: "
        f"{cases}, open ones: {seeded.open_cases}; callback tasks added: about {callbacks}, "
        f"one-off calls due: {seeded.due_calls}; training sessions: {seeded.sessions}; "
        f"QA reviews scored: {seeded.scored}; in {time.perf_counter() - started:.1f} s."
    )


@click.command("scheduler")
@with_appcontext
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron and tests).")
def scheduler_command(once: bool) -> None:
    """Run the background jobs: callback tasks, notifications, e-mail."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        results = run_once(app)
        if results is None:
            click.echo("Another scheduler is running; it does the jobs, nothing done here.")
            return
        for name, count in results.items():
            click.echo(f"{name}: {'failed (see the log)' if count is None else count}")
        return
    # The service's journal should say which scheduler leads, which waits, and what each job did.
    app.logger.setLevel(logging.INFO)
    serve(app)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the live database to PATH and check the copy: SQLite's backup API and PRAGMA
    integrity_check, or on PostgreSQL pg_dump's custom format, read back with pg_restore."""
    try:
        info = backup_to(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {info.path} ({info.size:,} bytes, migration {info.revision});")
    click.echo("integrity check: ok.")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the live database with the backup at PATH (stop the app first): a SQLite copy,
    or on PostgreSQL a pg_dump archive restored with pg_restore in one transaction."""
    try:
        info = check(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{info.path}: {info.size:,} bytes, migration {info.revision}, integrity ok.")
    if not yes:
        click.confirm(
            "Replace everything in the live database with this backup? Stop the web workers "
            "and the scheduler first",
            abort=True,
        )
    try:
        restore_from(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        "Restored; run `flask --app wsgi db upgrade` if the backup is from an older release."
    )


def register_commands(app: Flask) -> None:
    from crm.plans.cli import service_plan_command

    app.cli.add_command(service_plan_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(unlock_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(import_customers_command)
    app.cli.add_command(import_undo_command)
    app.cli.add_command(mail_fetch_command)
    app.cli.add_command(mail_ingest_command)
