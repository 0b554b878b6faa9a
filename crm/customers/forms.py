"""Forms for customer profiles, purchases and feedback."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.customers.models import TIER_LABELS, Tier
from crm.forms import Form, WholeNumberField
from crm.i18n import lazy_gettext as _l


def _tier_choices() -> list[SelectChoice]:
    return [SelectChoice(tier.value, str(TIER_LABELS[tier])) for tier in Tier]


class CustomerForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the customer's name.")), Length(max=100)],
        render_kw={"autofocus": True},
    )
    phones = TextAreaField(
        _l("Phone numbers"),
        description=_l("One per line; the first is the main number. Any format: 138 0013 8000."),
        render_kw={"rows": 2},
    )
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=200)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=50)])
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=50)])
    tags = StringField(
        _l("Tags"), validators=[Optional(), Length(max=300)], description=_l("Separated by commas.")
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])
    tier = SelectField(_l("Tier"), choices=_tier_choices, default=Tier.NORMAL.value)
    owner_id = SelectField(_l("Owner"), coerce=str, default="")
    version = HiddenField()
    allow_duplicate = BooleanField(_l("Create it anyway: this is a different customer"))


class PurchaseForm(Form):
    product = StringField(
        _l("Product"), validators=[DataRequired(_l("Enter the product.")), Length(max=200)]
    )
    amount = StringField(
        _l("Amount (yuan)"),
        validators=[DataRequired(_l("Enter the amount in yuan, e.g. 1999.00."))],
    )
    purchased_at = DateTimeLocalField(
        _l("Purchased on"), validators=[DataRequired(_l("Enter the date of purchase."))]
    )
    order_number = StringField(_l("Order number"), validators=[Optional(), Length(max=64)])


class FeedbackForm(Form):
    content = TextAreaField(
        _l("What the customer said"),
        validators=[DataRequired(_l("Enter what the customer said.")), Length(max=10_000)],
        render_kw={"rows": 3},
    )
    rating = WholeNumberField(
        _l("Rating (1-5)"),
        validators=[Optional(), NumberRange(1, 5, _l("The rating goes from 1 to 5."))],
    )
    received_at = DateTimeLocalField(
        _l("Received"), validators=[DataRequired(_l("Enter when the feedback came in."))]
    )


class SavedFilterForm(Form):
    name = StringField(
        _l("Name of this filter"),
        validators=[DataRequired(_l("Give the filter a name.")), Length(max=60)],
    )
    params = HiddenField()
