"""Forms for training sessions, exam marks and topics. The attendance and score grids are
read row by row in the views (one field per person)."""

from __future__ import annotations

from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import Form, MultiCheckboxField, WholeNumberField
from crm.i18n import lazy_gettext as _l
from crm.training.models import KIND_LABELS, SessionKind


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, str(KIND_LABELS[kind])) for kind in SessionKind]


class SessionForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter the session's title.")), Length(max=200)],
        render_kw={"autofocus": True},
    )
    kind = SelectField(_l("Kind"), choices=_kind_choices)
    trainer_id = SelectField(_l("Trainer"))
    starts_at = DateTimeLocalField(
        _l("Starts"), validators=[DataRequired(_l("Enter when it starts."))]
    )
    duration_minutes = WholeNumberField(
        _l("Duration (minutes)"), default=120, validators=[DataRequired(), NumberRange(1, 1440)]
    )
    location = StringField(_l("Room or online link"), validators=[Optional(), Length(max=300)])
    month = StringField(
        _l("Counts for month"),
        validators=[DataRequired(_l("Choose the month."))],
        render_kw={"type": "month"},
    )
    topics = MultiCheckboxField(_l("Topics"), coerce=int)
    invited = SelectMultipleField(_l("Invited staff"), coerce=int, render_kw={"size": 8})
    max_score = StringField(_l("Maximum score"), default="100")
    pass_mark = StringField(_l("Pass mark"), default="60")


class MarksForm(Form):
    max_score = StringField(_l("Maximum score"), validators=[DataRequired()])
    pass_mark = StringField(_l("Pass mark"), validators=[DataRequired()])


class TopicForm(Form):
    name = StringField(
        _l("New topic"), validators=[DataRequired(_l("Enter the topic's name.")), Length(max=60)]
    )
