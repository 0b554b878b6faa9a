"""QA forms. The scoring, dispute and decision forms are built per scorecard version, one field
per criterion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import wtforms
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.forms import DayField, Form, MultiCheckboxField, WholeNumberField
from crm.i18n import lazy_gettext as _l
from crm.qa.models import SCALE_LABELS, STYLE_LABELS, Criterion, Scale
from crm.qa.scorecards import CriterionInput
from crm.qa.scoring import value_range

NOT_APPLICABLE = "na"


def value_label(criterion: Criterion, value: int | None) -> str:
    if value is None:
        return str(_l("N/A"))
    if criterion.scale == Scale.YES_NO:
        return str(_l("Yes") if value else _l("No"))
    return str(value)


def _value_choices(criterion: Criterion, blank: bool) -> list[SelectChoice]:
    choices = [SelectChoice("", "—")] if blank else []
    choices += [SelectChoice(str(v), value_label(criterion, v)) for v in value_range(criterion)]
    if criterion.allow_na:
        choices.append(SelectChoice(NOT_APPLICABLE, value_label(criterion, None)))
    return choices


def parse_value(raw: str | None) -> tuple[bool, int | None]:
    """(given, value) of a value field: ("", ...) is not given, "na" is N/A."""
    if not raw:
        return False, None
    if raw == NOT_APPLICABLE:
        return True, None
    return True, int(raw)


def scoring_form(criteria: Sequence[Criterion], **kwargs: Any) -> Form:
    class ScoringForm(Form):
        pass

    for criterion in criteria:
        setattr(
            ScoringForm,
            f"c{criterion.id}",
            SelectField(criterion.name, choices=_value_choices(criterion, blank=True), default=""),
        )
        setattr(
            ScoringForm,
            f"comment{criterion.id}",
            TextAreaField(_l("Comment"), validators=[Length(max=2000)]),
        )
    return ScoringForm(**kwargs)


def dispute_form(criteria: Sequence[Criterion], **kwargs: Any) -> Form:
    class DisputeForm(Form):
        pass

    for criterion in criteria:
        setattr(DisputeForm, f"d{criterion.id}", BooleanField(criterion.name))
        setattr(
            DisputeForm,
            f"comment{criterion.id}",
            TextAreaField(_l("Why do you disagree?"), validators=[Length(max=2000)]),
        )
    return DisputeForm(**kwargs)


def decision_form(disputed: Iterable[Criterion], **kwargs: Any) -> Form:
    class DecisionForm(Form):
        decision = RadioField(
            _l("Decision"),
            choices=[
                SelectChoice("accept", _l("Accept: change the score")),
                SelectChoice("reject", _l("Reject: keep the score")),
            ],
            validators=[InputRequired()],
        )
        note = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])

    for criterion in disputed:
        setattr(
            DecisionForm,
            f"v{criterion.id}",
            SelectField(
                _l("New value for %(criterion)s", criterion=criterion.name),
                choices=_value_choices(criterion, blank=False),
            ),
        )
    return DecisionForm(**kwargs)


class DrawForm(Form):
    day = DayField(
        _l("Period containing"),
        validators=[InputRequired()],
        description=_l("The sample of the month (or week) that contains this day."),
    )
    scorecard = SelectField(_l("Scorecard"), coerce=int, validators=[InputRequired()])


class CriterionForm(wtforms.Form):
    section = StringField(_l("Section"), validators=[Optional(), Length(max=60)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=100)])
    definition = TextAreaField(_l("Definition"), validators=[Optional(), Length(max=2000)])
    examples = TextAreaField(_l("Examples"), validators=[Optional(), Length(max=2000)])
    weight = DecimalField(
        _l("Weight / points"), places=1, validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    scale = SelectField(
        _l("Scale"), choices=[SelectChoice(s.value, label) for s, label in SCALE_LABELS.items()]
    )
    max_points = WholeNumberField(
        _l("Maximum points"), validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    allow_na = BooleanField(_l("N/A allowed"))
    critical = BooleanField(_l("Critical (一票否决)"))

    def is_blank(self) -> bool:
        return not any((self.code.data, self.name.data, self.section.data, self.definition.data))

    def to_input(self) -> CriterionInput:
        return CriterionInput(
            section=self.section.data or "",
            code=(self.code.data or "").strip(),
            name=self.name.data or "",
            definition=self.definition.data or "",
            weight=self.weight.data if self.weight.data is not None else Decimal(0),
            scale=self.scale.data,
            max_points=self.max_points.data if self.scale.data == Scale.POINTS else None,
            examples=self.examples.data,
            allow_na=self.allow_na.data,
            critical=self.critical.data,
        )


class ScorecardForm(Form):
    name = StringField(_l("Scorecard name"), validators=[DataRequired(), Length(max=100)])
    style = SelectField(
        _l("Scoring style"),
        choices=[SelectChoice(s.value, label) for s, label in STYLE_LABELS.items()],
        description=_l(
            "Weighted: criterion credit x weight / sum of the weights rated (N/A leaves both "
            "out). Deduction: 100 minus each fault's points (the weight column), never below 0."
        ),
    )
    pass_mark = DecimalField(
        _l("Pass mark"), places=1, default=Decimal(80), validators=[NumberRange(min=0, max=100)]
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=1)

    def criteria_inputs(self) -> list[CriterionInput]:
        return [entry.form.to_input() for entry in self.criteria if not entry.form.is_blank()]


class TrainingRuleForm(Form):
    criterion_code = SelectField(_l("Criterion"), validators=[InputRequired()])
    below_percent = DecimalField(
        _l("Assign when credit is below (%)"),
        places=1,
        default=Decimal(50),
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        description=_l("A failed critical criterion always assigns the topic."),
    )
    topic_id = SelectField(_l("Training topic"), coerce=int, validators=[InputRequired()])


class CalibrationForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    interaction_id = WholeNumberField(
        _l("Interaction number"),
        validators=[InputRequired(), NumberRange(min=1)],
        description=_l("The number shown on the interaction's review or timeline entry."),
    )
    scorecard = SelectField(_l("Scorecard"), coerce=int, validators=[InputRequired()])
    reviewers = MultiCheckboxField(_l("Reviewers"), coerce=int)
