"""The free-text columns an erasure sweeps for a person's name, numbers and address.

An explicit list rather than every text column: statuses, kinds, codes, hashes, message ids and
other customers' own names and numbers must never be rewritten (a CHECK would fail, a thread
would break, or another person's data would change). A table added later that holds free text
about customers belongs here; the acceptance test scanning every column catches a miss.
"""

from __future__ import annotations

PERSONAL_TEXT: dict[str, tuple[str, ...]] = {
    "api_idempotent_responses": ("body",),
    "audit_entries": ("details",),
    "call_events": ("payload",),
    "callback_plans": ("purpose", "script"),
    "callback_tasks": ("note",),
    "case_events": ("details", "note"),
    "case_messages": ("sender_name", "sender_address", "body_text", "body_html", "quoted_text"),
    "cases": (
        "subject",
        "description",
        "root_cause",
        "corrective_action",
        "confirmed_by",
    ),
    "customer_merges": ("fields", "source_phones"),
    # other customers' notes only: their name and numbers stay theirs
    "customers": ("notes",),
    "feedback": ("content",),
    "import_batches": ("summary",),
    "import_rows": ("name", "message", "warnings", "before"),
    "improvement_action_comments": ("body",),
    "improvement_actions": ("details", "outcome"),
    "inbound_receipts": ("subject",),
    "incident_entries": ("body",),
    "interactions": ("summary", "details", "outcome", "delete_reason"),
    "jobs": ("payload", "error"),
    "kb_search_gaps": ("query",),
    "notifications": ("payload",),
    "outbound_mails": ("to_address", "subject", "body_text"),
    "qa_dispute_items": ("comment",),
    "qa_disputes": ("decision_note",),
    "qa_review_revisions": ("note",),
    "qa_review_scores": ("comment",),
    "saved_filters": ("params",),
    "surveys": ("comment",),
}

#: a contact's name, address or number recorded on a row that names its customer: swept only on
#: the person's own rows and on rows of no customer, as another customer may share a landline
IDENTIFIERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "calls": ("customer_id", ("from_number", "to_number")),
    "cases": ("customer_id", ("requester_name", "requester_email", "requester_phone")),
    "inbound_receipts": ("customer_id", ("sender",)),
}
