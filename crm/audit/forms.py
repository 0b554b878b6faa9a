"""The audit log's filter form (read with GET, so it carries no CSRF token)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from crm.audit.labels import OBJECT_LABELS
from crm.audit.services import ACTION_LABELS
from crm.forms import DayField, Form
from crm.i18n import lazy_gettext as _l


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), coerce=str, validators=[Optional()])
    action = SelectField(
        _l("Action"),
        choices=lambda: (
            [("", _l("Any action"))]
            + [(action.value, str(label)) for action, label in ACTION_LABELS.items()]
        ),
        validators=[Optional()],
    )
    object_type = SelectField(
        _l("Object"),
        choices=lambda: [
            SelectChoice("", str(_l("Any object"))),
            *(SelectChoice(kind, str(label)) for kind, label in OBJECT_LABELS.items()),
        ],
        validators=[Optional()],
    )
    object_id = StringField(_l("Object ID"), validators=[Optional(), Length(max=64)])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
