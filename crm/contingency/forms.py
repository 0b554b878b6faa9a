"""The contingency page's forms; the services check the same limits again."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.contingency.services import ENTRY_MAX, REASON_MAX
from crm.forms import Form
from crm.i18n import lazy_gettext as _l


class StartForm(Form):
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why contingency mode is needed.")),
            Length(max=REASON_MAX),
        ],
        description=_l("Shown to every user in the banner, e.g. 电话系统故障, 暂停SLA计时."),
    )


class EndForm(Form):
    note = TextAreaField(
        _l("How it was resolved"),
        validators=[DataRequired(_l("Note how the incident was resolved.")), Length(max=ENTRY_MAX)],
        render_kw={"rows": 2},
    )


class UpdateForm(Form):
    body = TextAreaField(
        _l("Update"),
        validators=[DataRequired(_l("Write the update.")), Length(max=ENTRY_MAX)],
        render_kw={"rows": 2},
    )
