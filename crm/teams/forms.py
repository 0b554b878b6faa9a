"""Forms of the team pages; the services check the same rules again."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.cases.models import DEPARTMENT_LABELS
from crm.forms import Form, MultiCheckboxField, WholeNumberField
from crm.i18n import lazy_gettext as _l
from crm.teams.services import MAX_QA_QUOTA, NAME_LENGTH


class TeamForm(Form):
    department = SelectField(_l("Department"), choices=[])
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(_l("Give the team a name.")), Length(max=NAME_LENGTH)],
        description=_l("For example 一组 or 夜班组."),
    )
    leader_id = SelectField(
        _l("Team leader"),
        validators=[DataRequired(_l("Choose an active supervisor as the leader."))],
    )

    def set_departments(self, departments: list[str]) -> None:
        self.department.choices = [SelectChoice(d, DEPARTMENT_LABELS[d]) for d in departments]


class TeamSettingsForm(TeamForm):
    qa_quota = WholeNumberField(
        _l("QA sample per member"),
        validators=[Optional(), NumberRange(min=0, max=MAX_QA_QUOTA)],
        description=_l("Interactions QA draws per member and period; empty: the house default."),
    )


class MembersForm(Form):
    members = MultiCheckboxField(_l("Add agents"), coerce=int, choices=[])


class ScopeForm(Form):
    scope = SelectField(choices=[SelectChoice("team", ""), SelectChoice("department", "")])
    next = StringField()
