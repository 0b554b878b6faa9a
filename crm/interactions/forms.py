"""Forms for logging, correcting and deleting interactions."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import Form
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    DIRECTION_LABELS,
    Category,
    Channel,
    Direction,
)


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, str(label)) for key, label in labels.items()]


class InteractionForm(Form):
    channel = SelectField(
        _l("Channel"), choices=lambda: _choices(CHANNEL_LABELS), default=Channel.PHONE.value
    )
    direction = SelectField(
        _l("Direction"),
        choices=lambda: _choices(DIRECTION_LABELS),
        default=Direction.INBOUND.value,
    )
    category = SelectField(
        _l("Category"), choices=lambda: _choices(CATEGORY_LABELS), default=Category.INQUIRY.value
    )
    summary = StringField(
        _l("Summary"),
        validators=[
            DataRequired(_l("Write one line on what the contact was about.")),
            Length(max=200),
        ],
    )
    details = TextAreaField(
        _l("Details"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 3}
    )
    outcome = StringField(_l("Outcome"), validators=[Optional(), Length(max=200)])
    occurred_at = DateTimeLocalField(
        _l("When"), validators=[DataRequired(_l("Enter when the contact happened."))]
    )
    #: only when logging: an attempt is kept but does not count as contact
    not_reached = BooleanField(_l("Customer not reached (an attempt, not counted as contact)"))


class DeleteInteractionForm(Form):
    reason = StringField(
        _l("Reason for deleting"),
        validators=[DataRequired(_l("Give the reason for deleting this entry.")), Length(max=200)],
    )
