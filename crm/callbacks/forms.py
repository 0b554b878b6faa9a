"""Forms for planning callbacks and working them."""

from __future__ import annotations

from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.callbacks.models import CADENCE_LABELS, LAST_DAY, TASK_REASON_LABELS, Cadence
from crm.forms import DayField, Form, WholeNumberField
from crm.i18n import lazy_gettext as _l


def _cadence_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, str(CADENCE_LABELS[c])) for c in Cadence]


def _day_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—"), SelectChoice(str(LAST_DAY), str(_l("Last day")))] + [
        SelectChoice(str(day), str(day)) for day in range(1, 32)
    ]


class PlanForm(Form):
    purpose = StringField(
        _l("Purpose"),
        validators=[DataRequired(_l("Say what the callback is for.")), Length(max=200)],
        render_kw={"autofocus": True},
    )
    script = TextAreaField(_l("Call script"), validators=[Optional(), Length(max=5000)])
    cadence = SelectField(_l("How often"), choices=_cadence_choices, default=Cadence.MONTHLY.value)
    interval_weeks = WholeNumberField(
        _l("Every N weeks"), default=2, validators=[Optional(), NumberRange(1, 52)]
    )
    day_of_month = SelectField(
        _l("Day of the month"),
        choices=_day_choices,
        default="",
        description=_l(
            'For "monthly on a day" (short months use their last day), or the Nth working day.'
        ),
    )
    start_date = DayField(_l("First call"), validators=[DataRequired(_l("Enter the first date."))])
    end_date = DayField(_l("Last date (optional)"), validators=[Optional()])
    assignee_id = SelectField(_l("Agent"), validators=[DataRequired(_l("Choose an active agent."))])
    fallback_id = SelectField(_l("Fallback agent"), default="")


class BulkPlanForm(Form):
    region = StringField(
        _l("Region"),
        validators=[Optional(), Length(max=50)],
        description=_l("Empty for every region."),
    )
    agents = SelectMultipleField(
        _l("Agents (round-robin)"), validators=[DataRequired(_l("Choose at least one agent."))]
    )
    purpose = StringField(
        _l("Purpose"),
        validators=[DataRequired(_l("Say what the callback is for.")), Length(max=200)],
    )
    script = TextAreaField(_l("Call script"), validators=[Optional(), Length(max=5000)])
    start_date = DayField(
        _l("First month from"), validators=[DataRequired(_l("Enter the first date."))]
    )
    #: the fingerprint of the preview being confirmed
    previewed = HiddenField()


class CompleteForm(Form):
    reached = RadioField(
        _l("Result"),
        choices=lambda: [
            SelectChoice("yes", str(_l("Reached"))),
            SelectChoice("no", str(_l("Not reached"))),
        ],
        validators=[DataRequired(_l("Say whether the customer was reached."))],
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2}
    )
    satisfaction = WholeNumberField(
        _l("Satisfaction (1-5)"),
        validators=[Optional(), NumberRange(1, 5, _l("The satisfaction goes from 1 to 5."))],
    )


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(reason.value, str(label)) for reason, label in TASK_REASON_LABELS.items()
    ]


class SkipForm(Form):
    """The reason is checked by the service (one of the list; words for "other")."""

    reason = SelectField(_l("Reason"), choices=_reason_choices, validate_choice=False)
    note = StringField(_l("In words"), validators=[Optional(), Length(max=200)])


class RescheduleForm(SkipForm):
    new_date = DayField(_l("New date"), validators=[DataRequired(_l("Enter the new date."))])


class ReassignForm(Form):
    task_ids = SelectMultipleField(coerce=int, validate_choice=False)
    assignee_id = SelectField(
        _l("Give to"), validators=[DataRequired(_l("Choose an active agent."))]
    )


class EndPlanForm(Form):
    last_day = DayField(_l("Last day"), validators=[DataRequired(_l("Enter the last day."))])
