"""Customers over the API: the screen-pop lookup by phone, search, read, create, update."""

from __future__ import annotations

from dataclasses import fields

from crm.api.errors import ApiError
from crm.api.framework import operation
from crm.api.schemas.customers import (
    CustomerDetail,
    CustomerIn,
    CustomerList,
    CustomerOut,
    CustomerPatch,
    CustomerQuery,
    Lookup,
    PhoneQuery,
    TimelineEntryOut,
)
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.core.providers import timeline_providers
from crm.customers.access import customer_for
from crm.customers.models import Customer
from crm.customers.phones import normalise_phone
from crm.customers.search import customers_with_phone, search_customers
from crm.customers.services import (
    DuplicateCustomer,
    ProfileInput,
    StaleEdit,
    create_customer,
    update_customer,
)
from crm.customers.timeline import timeline_page
from crm.extensions import db

#: profile fields a PATCH may set to null
CLEARABLE = {"company", "email", "region", "industry", "notes"}
#: timeline entries returned with a customer
LATEST = 10


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        phones=[phone.number for phone in customer.phones],
        company=customer.company,
        email=customer.email,
        region=customer.region,
        industry=customer.industry,
        tags=list(customer.tags or []),
        notes=customer.notes,
        tier=customer.tier,
        owner_id=customer.owner_id,
        version=customer.version,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        last_contact_at=customer.last_contact_at,
        deleted=customer.is_deleted,
    )


@operation(
    "GET",
    "/customers/lookup",
    summary="Find the customers who have a phone number (screen pop)",
    tag="customers",
    permission=Permission.CUSTOMERS_VIEW,
    query=PhoneQuery,
    response=Lookup,
)
def lookup_customers(user: User, query: PhoneQuery) -> Lookup:
    e164 = normalise_phone(query.phone)
    customers = customers_with_phone(e164)
    return Lookup(phone=e164, items=[customer_out(c) for c in customers])


@operation(
    "GET",
    "/customers",
    summary="Search customers by phone, name (or its pinyin), company or e-mail",
    tag="customers",
    permission=Permission.CUSTOMERS_VIEW,
    query=CustomerQuery,
    response=CustomerList,
)
def search(user: User, query: CustomerQuery) -> CustomerList:
    hits = search_customers(query.q, limit=query.limit)
    return CustomerList(items=[customer_out(hit.customer) for hit in hits])


@operation(
    "GET",
    "/customers/{customer_id}",
    summary="A customer with the newest entries of their history",
    tag="customers",
    permission=Permission.CUSTOMERS_VIEW,
    response=CustomerDetail,
)
def read_customer(user: User, customer_id: int) -> CustomerDetail:
    customer = customer_for(user, customer_id)
    page = timeline_page(customer.id, viewer=user, size=LATEST)
    summaries = {provider.kind: provider.summary for provider in timeline_providers()}
    timeline = [
        TimelineEntryOut(
            kind=entry.kind,
            id=entry.item.id,
            at=entry.at,
            summary=(summaries[entry.kind](entry.item) or "")[:200],
        )
        for entry in page.entries
    ]
    return CustomerDetail(**customer_out(customer).model_dump(), timeline=timeline)


def _duplicate(error: DuplicateCustomer) -> ApiError:
    ids = ", ".join(str(c.id) for c in error.existing)
    return ApiError(
        409,
        f"A customer with this phone number exists: {ids}. Send allow_duplicate to create "
        "one anyway (an e-mail never makes two customers one).",
        code="duplicate",
        fields={"phones": f"on file for customer {ids}"},
    )


@operation(
    "POST",
    "/customers",
    summary="Create a customer",
    tag="customers",
    permission=Permission.CUSTOMERS_EDIT,
    body=CustomerIn,
    response=CustomerOut,
    status=201,
    idempotent=True,
)
def create(user: User, body: CustomerIn) -> CustomerOut:
    data = ProfileInput(**body.model_dump(exclude={"allow_duplicate"}))
    try:
        customer = create_customer(actor=user, data=data, allow_duplicate=body.allow_duplicate)
    except DuplicateCustomer as error:
        raise _duplicate(error) from None
    return customer_out(customer)


@operation(
    "PATCH",
    "/customers/{customer_id}",
    summary="Change a customer's profile (fields left out keep their value)",
    tag="customers",
    permission=Permission.CUSTOMERS_EDIT,
    body=CustomerPatch,
    response=CustomerOut,
    errors=(409,),
)
def update(user: User, customer_id: int, body: CustomerPatch) -> CustomerOut:
    customer = customer_for(user, customer_id)
    if customer.is_deleted:
        raise ApiError(409, "This customer has been deleted.")
    current = customer_out(customer).model_dump()
    given = {
        field: value
        for field, value in body.model_dump(exclude_unset=True, exclude={"version"}).items()
        # null clears an optional field; name, phones and tags cannot be cleared
        if value is not None or field in CLEARABLE
    }
    data = ProfileInput(
        **{f.name: given.get(f.name, current[f.name]) for f in fields(ProfileInput)}
    )
    try:
        update_customer(actor=user, customer=customer, expected_version=body.version, data=data)
    except StaleEdit:
        raise ApiError(
            409, "The customer changed since this version; read it again.", code="stale"
        ) from None
    except DuplicateCustomer as error:
        raise _duplicate(error) from None
    db.session.flush()
    return customer_out(customer)
