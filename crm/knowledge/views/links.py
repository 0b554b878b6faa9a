"""An article's links to quality and training: the QA criteria whose standard it defines and
the training topics it is material for."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.extensions import db
from crm.i18n import gettext as _
from crm.knowledge import links
from crm.knowledge.access import article_for
from crm.knowledge.views.blueprint import bp


@bp.post("/<int:article_id>/links")
@permission_required(Permission.KNOWLEDGE_EDIT)
def set_links(article_id: int) -> BaseResponse:
    actor = signed_in_user()
    article = article_for(actor, article_id)
    topic_ids = [int(v) for v in request.form.getlist("topics") if v.isdigit()]
    links.set_links(
        actor=actor, article=article, codes=request.form.getlist("criteria"), topic_ids=topic_ids
    )
    db.session.commit()
    flash(_("Links to QA and training saved."), "success")
    return redirect(url_for("knowledge.article", article_id=article.id))
