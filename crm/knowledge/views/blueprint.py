from __future__ import annotations

from flask import Blueprint, url_for

from crm.core.links import register_object_page

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")
#: the public help centre: no sign-in, public articles only
public = Blueprint("help", __name__, url_prefix="/help")


def _register_pages(_state: object = None) -> None:
    register_object_page("article", lambda id_: url_for("knowledge.article", article_id=id_))


bp.record_once(_register_pages)
