"""Forms for opening and working cases."""

from __future__ import annotations

from wtforms import DateTimeLocalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.cases.models import (
    CASE_CATEGORIES,
    DEPARTMENT_LABELS,
    PRIORITY_LABELS,
    Department,
    Priority,
)
from crm.forms import Form
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS, CHANNEL_LABELS, Channel


def _categories() -> list[SelectChoice]:
    return [SelectChoice(c.value, str(CATEGORY_LABELS[c])) for c in CASE_CATEGORIES]


def _channels() -> list[SelectChoice]:
    return [SelectChoice(c.value, str(label)) for c, label in CHANNEL_LABELS.items()]


def _priorities() -> list[SelectChoice]:
    return [SelectChoice(p.value, str(PRIORITY_LABELS[p])) for p in Priority]


def _departments() -> list[SelectChoice]:
    return [SelectChoice(d.value, str(DEPARTMENT_LABELS[d])) for d in Department]


class CaseForm(Form):
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(_l("Enter the case's subject.")), Length(max=200)],
        render_kw={"autofocus": True},
    )
    category = SelectField(_l("Category"), choices=_categories)
    priority = SelectField(_l("Priority"), choices=_priorities, default=Priority.NORMAL.value)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    assignee_id = SelectField(_l("Assignee"), default="")
    #: how the customer got in touch, for a case not opened from a logged interaction
    channel = SelectField(_l("Channel"), choices=_channels, default=Channel.PHONE.value)


class TransferForm(Form):
    department = SelectField(_l("Department"), choices=_departments)
    assignee_id = SelectField(_l("Assignee"), default="")
    note = TextAreaField(
        _l("Note for the next person"),
        validators=[DataRequired(_l("Say what the next person needs to know.")), Length(max=5000)],
        render_kw={"rows": 2},
    )


class ClosureForm(Form):
    root_cause = TextAreaField(
        _l("Root cause"),
        validators=[DataRequired(_l("This is needed to close the loop."))],
        render_kw={"rows": 2},
    )
    corrective_action = TextAreaField(
        _l("Corrective action"),
        validators=[DataRequired(_l("This is needed to close the loop."))],
        render_kw={"rows": 2},
    )
    confirmation_method = StringField(
        _l("How the customer confirmed (phone, e-mail, visit)"),
        validators=[DataRequired(_l("This is needed to close the loop.")), Length(max=100)],
    )
    confirmed_by = StringField(
        _l("Confirmed by"),
        validators=[DataRequired(_l("This is needed to close the loop.")), Length(max=100)],
    )
    confirmed_at = DateTimeLocalField(
        _l("Confirmed on"), validators=[DataRequired(_l("This is needed to close the loop."))]
    )
