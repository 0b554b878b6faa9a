"""Helpers shared by every domain's form handling."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
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


class WholeNumberField(IntegerField):
    """An IntegerField that refuses numbers too long to be meant: WTForms' NumberRange compares
    through float and would crash on a 400-digit number instead of saying it is invalid."""

    MAX_DIGITS = 15

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(_l("Enter a smaller number."))
        super().process_formdata(valuelist)
