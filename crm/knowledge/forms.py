"""Forms of the knowledge base."""

from __future__ import annotations

from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import DayField, Form
from crm.i18n import lazy_gettext as _l
from crm.knowledge.services import BODY_MAX, TITLE_MAX


class ArticleForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the article a title.")), Length(max=TITLE_MAX)],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[],
        default="article",
        description=_l(
            "A call script (话术) is shown beside the case page of its category;"
            " {customer_name}, {case_number} and {agent_name} are filled in."
        ),
    )
    category = SelectField(_l("Category"), choices=[])
    subcategory = SelectField(
        _l("Subcategory"),
        choices=[],
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        validate_choice=False,
        description=_l("Optional; it must belong to the category above."),
    )
    audience = SelectField(
        _l("Readers"),
        choices=[],
        description=_l("Public articles also appear in the help centre for customers."),
    )
    tags = StringField(_l("Tags"), description=_l("Separated by spaces or commas."))
    review_by = DayField(
        _l("Review by"),
        validators=[Optional()],
        description=_l("After this day the article is flagged to its owner."),
    )
    body = TextAreaField(
        _l("Text"),
        description=_l("Markdown: # heading, **bold**, - list, [link](https://...)."),
        validators=[DataRequired(_l("Write the article's text.")), Length(max=BODY_MAX)],
        render_kw={"rows": 16},
    )
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=200)])


class SynonymsForm(Form):
    words = TextAreaField(
        _l("Synonyms"),
        description=_l("One group per line, words separated by spaces: 退款 退钱 退费"),
        validators=[Length(max=20_000)],
        render_kw={"rows": 10},
    )


class ImportForm(Form):
    files = MultipleFileField(
        _l("Markdown or Word (.docx) files"),
        description=_l(
            "One draft per file; a first line “# title” (in Word: a Title or Heading 1) becomes"
            " the title. Markdown 1 MB, Word 5 MB at most."
        ),
    )
    category = SelectField(_l("Category"), choices=[])


class SubcategoryForm(Form):
    category = SelectField(_l("Category"), choices=[])
    name = StringField(
        _l("Subcategory"),
        validators=[DataRequired(_l("Give the subcategory a name.")), Length(max=60)],
    )


class RenameForm(Form):
    name = StringField(
        _l("New name"),
        validators=[DataRequired(_l("Give the subcategory a name.")), Length(max=60)],
    )
