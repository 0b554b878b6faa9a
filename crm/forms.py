"""Helpers shared by every domain's form handling."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from crm.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Show a rule's refusal beside the field it concerns, or as a message above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def flash_form_errors(form: FlaskForm) -> None:
    """For forms posted from a page they do not re-render: each error as a message."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "danger")


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (the forms macro renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
