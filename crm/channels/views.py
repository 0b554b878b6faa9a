"""Staff pages of the channels: a case's attachments, served only to who may read the case."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.access import case_for
from crm.channels.attachments import PREVIEWED, path_of
from crm.channels.models import CaseAttachment
from crm.extensions import db

bp = Blueprint("channels", __name__)


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@permission_required(Permission.CASES_WORK)
def attachment(case_id: int, attachment_id: int) -> BaseResponse:
    case = case_for(signed_in_user(), case_id)
    found = db.session.get(CaseAttachment, attachment_id)
    if found is None or found.case_id != case.id:
        abort(404)
    response = send_file(
        path_of(found),
        mimetype=found.content_type,
        as_attachment=found.content_type not in PREVIEWED,
        download_name=found.filename,
    )
    # A customer's file is kept by no cache, like every page (send_file asks for revalidation).
    response.headers["Cache-Control"] = "no-store"
    return response
