"""The forms of the customer's pages: the contact form and the status page's answer. They
check what a person can correct (required fields, the address, the phone number, the file's
type and size) before anything is saved, so a refusal keeps the typed text in the form."""

from __future__ import annotations

import os
from typing import TypeVar

from flask import current_app
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import SelectChoice, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional, Regexp

from crm.auth.forms import EMAIL_PATTERN
from crm.cases.models import CASE_CATEGORIES
from crm.channels.attachments import clean_filename, type_of
from crm.core.limits import megabytes
from crm.customers.phones import normalise_phone
from crm.errors import DomainError
from crm.forms import Form
from crm.i18n import gettext as _
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS

#: the longest message the form takes (the text area says so too)
MESSAGE_MAX_CHARS = 5000


def _check_attachment(_form: Form, field: FileField) -> None:
    """The store's limits, checked before anything is saved, so a refused file refuses the
    whole message and the text stays in the form for another try."""
    upload: FileStorage | None = field.data
    if upload is None:
        return
    name = clean_filename(upload.filename)
    if type_of(name) is None:
        raise ValidationError(
            _l(
                "Files like %(name)s are not taken. Choose an image, PDF, Office document, "
                "text, archive, audio or video file, or send your message without it.",
                name=name,
            )
        )
    upload.stream.seek(0, os.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if size > limit:
        raise ValidationError(
            _l(
                "%(name)s is larger than %(limit)s. Choose a smaller file, or send your "
                "message without it.",
                name=name,
                limit=megabytes(limit),
            )
        )


class AnswerForm(Form):
    message = TextAreaField(
        _l("Your message"),
        validators=[
            InputRequired(_l("Write your message.")),
            Length(max=MESSAGE_MAX_CHARS, message=_l("Write at most 5,000 characters.")),
        ],
        description=_l("At most 5,000 characters."),
        render_kw={"rows": 6, "maxlength": MESSAGE_MAX_CHARS},
    )
    attachment = FileField(_l("Attach a file"), validators=[_check_attachment])


class ContactForm(AnswerForm):
    name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Tell us your name.")), Length(max=100)],
    )
    email = StringField(
        _l("E-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address such as wang@example.com.")),
        ],
        filters=[lambda value: value.strip().lower() if value else value],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    category = SelectField(
        _l("What is it about?"),
        choices=lambda: [SelectChoice(c.value, str(CATEGORY_LABELS[c])) for c in CASE_CATEGORIES],
    )
    #: the field people cannot see: only a robot fills it
    website = StringField(_l("Leave this field empty"))

    def validate_phone(self, field: StringField) -> None:
        try:
            field.data = normalise_phone(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from None

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.email.data and not self.phone.data and not self.phone.errors:
            self.email.errors = [
                *self.email.errors,
                _l("Give us an e-mail address or a phone number, so we can answer you."),
            ]
            return False
        return valid


F = TypeVar("F", bound=AnswerForm)


def new_form(form_class: type[F]) -> F:
    """The form, with the attachment's limit said beside its field."""
    form = form_class()
    form.attachment.description = _(
        "Optional. One file of at most %(limit)s: images, PDF, Office documents, text, "
        "archives, audio or video.",
        limit=megabytes(current_app.config["ATTACHMENT_MAX_BYTES"]),
    )
    return form
