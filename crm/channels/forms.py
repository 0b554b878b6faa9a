"""Forms of the case conversation and its settings."""

from __future__ import annotations

from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.channels.thread import MAX_BODY
from crm.forms import Form
from crm.i18n import lazy_gettext as _l


class MessageForm(Form):
    """A public reply or an internal note, with files."""

    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("Write the message first.")), Length(max=MAX_BODY)],
        render_kw={"rows": 6},
    )
    files = MultipleFileField(_l("Attachments"))


class ReplyTemplateForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Give the template a name.")), Length(max=100)]
    )
    body = TextAreaField(
        _l("Text"),
        description=_l("{customer_name} and {case_number} are filled in when it is used."),
        validators=[DataRequired(_l("Write the template's text.")), Length(max=MAX_BODY)],
        render_kw={"rows": 6},
    )
    active = BooleanField(_l("In use"), default=True)


class RoutingForm(Form):
    mode = SelectField(_l("New cases go"), choices=[])
