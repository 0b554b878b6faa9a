"""Forms of consent, care dates, offer rules and the value settings."""

from __future__ import annotations

from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import DayField, Form, WholeNumberField
from crm.i18n import lazy_gettext as _l
from crm.value.models import CARE_LABELS, CHANNEL_LABELS, DATED_KINDS, SOURCE_LABELS


class ConsentForm(Form):
    channel = SelectField(
        _l("Channel"), choices=[SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items()]
    )
    granted = SelectField(
        _l("Consent"),
        choices=[SelectChoice("1", _l("Given")), SelectChoice("0", _l("Withdrawn or refused"))],
    )
    source = SelectField(
        _l("How the customer said it"),
        choices=[SelectChoice(s.value, label) for s, label in SOURCE_LABELS.items()],
    )
    given_on = DayField(_l("On"), validators=[DataRequired(_l("Enter the day."))])


class CareDateForm(Form):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, CARE_LABELS[k]) for k in DATED_KINDS]
    )
    on_date = DayField(_l("Date"), validators=[Optional()])


class OfferRuleForm(Form):
    name = StringField(_l("Rule name"), validators=[DataRequired(), Length(max=80)])
    segment = SelectField(_l("Value segment"))
    min_days_since_purchase = WholeNumberField(
        _l("At least this many days since the last purchase"),
        default=0,
        validators=[NumberRange(0, 3650)],
    )
    text = TextAreaField(_l("What is offered"), validators=[DataRequired(), Length(max=500)])
    code = StringField(_l("Offer code"), validators=[DataRequired(), Length(max=40)])
    valid_days = WholeNumberField(
        _l("Valid for (days)"), default=30, validators=[NumberRange(1, 366)]
    )
    control_percent = WholeNumberField(
        _l("Control group (percent held out)"), default=10, validators=[NumberRange(0, 50)]
    )
    active = BooleanField(_l("Active"), default=True)


class EraseForm(Form):
    confirm = StringField(
        _l("Type the customer number to confirm"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
