"""Forms of improvement actions and the service plan; the services check the same rules."""

from __future__ import annotations

from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import DayField, Form
from crm.i18n import lazy_gettext as _l
from crm.plans.actions import TEXT_MAX, TITLE_MAX


class ActionForm(Form):
    title = StringField(
        _l("What will be done"),
        validators=[DataRequired(_l("Say what will be done.")), Length(max=TITLE_MAX)],
    )
    details = TextAreaField(
        _l("Details"), validators=[Optional(), Length(max=TEXT_MAX)], render_kw={"rows": 3}
    )
    source = SelectField(_l("Comes from"))
    source_ref = StringField(
        _l("Finding"),
        validators=[Optional(), Length(max=TITLE_MAX)],
        description=_l("e.g. the month it missed, a QA criterion, 2026Q3, a complaint cause."),
    )
    kpi_key = SelectField(_l("KPI it should move"))
    expected_change = DecimalField(
        _l("Expected change"),
        places=None,
        validators=[Optional(), NumberRange(min=-99999, max=99999)],
        description=_l("In the KPI's unit: percentage points, minutes, hours or points."),
    )
    owner_id = SelectField(_l("Owner"), coerce=int)
    start_date = DayField(_l("Start"), validators=[DataRequired()])
    due_date = DayField(_l("Due date"), validators=[DataRequired()])


class CommentForm(Form):
    body = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(_l("Write the comment.")), Length(max=TEXT_MAX)],
        render_kw={"rows": 2},
    )


class OutcomeForm(Form):
    outcome = TextAreaField(
        _l("Outcome"),
        validators=[DataRequired(_l("Describe the outcome.")), Length(max=TEXT_MAX)],
        render_kw={"rows": 3},
    )
    decision = SelectField(_l("Next"))
