"""Contract routes: create, edit, submit for approval, activate, amend, renew, void, attach."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared import files
from crm_shared.errors import ValidationFailed
from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import contracts
from ..schemas.common import ReasonSchema
from ..schemas.contracts import (
    ContractFromQuoteSchema,
    ContractInSchema,
    ContractListArgsSchema,
    ContractListSchema,
    ContractPageSchema,
    ContractPatchSchema,
    ContractSchema,
    RenewalArgsSchema,
)
from . import today
from .views import contract_view

blp = Blueprint(
    "contracts", __name__, url_prefix="/api/v1/contracts", description="Contracts (合同)"
)


@blp.get("")
@blp.arguments(ContractListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ContractPageSchema)
def list_contracts(**args: Any) -> dict[str, Any]:
    """Contracts in the caller's scope, newest first."""
    session = db_session()
    items, cursor = contracts.list_page(session, current_principal(), args)
    return {"items": [contract_view(session, c) for c in items], "next_cursor": cursor}


@blp.post("")
@idempotent
@blp.arguments(ContractInSchema)
@blp.response(201, ContractSchema)
def create_contract(data: dict[str, Any]) -> dict[str, Any]:
    """A draft contract by hand; its number comes from the year's gap-free sequence."""
    session = db_session()
    return contract_view(
        session, contracts.create_by_hand(session, current_principal(), data, today())
    )


@blp.post("/from-quote")
@idempotent
@blp.arguments(ContractFromQuoteSchema)
@blp.response(201, ContractSchema)
def contract_from_quote(data: dict[str, Any]) -> dict[str, Any]:
    """A draft contract from an accepted quote."""
    session = db_session()
    quote_id = data.pop("quote_id")
    return contract_view(
        session, contracts.from_quote(session, current_principal(), quote_id, data, today())
    )


@blp.get("/renewals")
@blp.arguments(RenewalArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ContractListSchema)
def renewals(days: int) -> dict[str, Any]:
    """Active contracts in the caller's scope ending within ``days``."""
    session = db_session()
    return {
        "items": [
            contract_view(session, c)
            for c in contracts.renewals(session, current_principal(), days, today())
        ]
    }


@blp.get("/<uuid:contract_id>")
@blp.response(200, ContractSchema)
def get_contract(contract_id: uuid.UUID) -> dict[str, Any]:
    """One contract."""
    session = db_session()
    return contract_view(session, contracts.get(session, current_principal(), contract_id))


@blp.patch("/<uuid:contract_id>")
@blp.arguments(ContractPatchSchema)
@blp.response(200, ContractSchema)
def patch_contract(data: dict[str, Any], contract_id: uuid.UUID) -> dict[str, Any]:
    """Edit a draft or rejected contract (409 once approved: amend it)."""
    session = db_session()
    return contract_view(
        session, contracts.edit(session, current_principal(), contract_id, data, today())
    )


def _act(action: Any, contract_id: uuid.UUID, *args: Any) -> dict[str, Any]:
    session = db_session()
    return contract_view(session, action(session, current_principal(), contract_id, *args))


@blp.post("/<uuid:contract_id>/submit")
@blp.response(200, ContractSchema)
def submit_contract(contract_id: uuid.UUID) -> dict[str, Any]:
    """Send for approval under the ``contract`` flow (approved at once without one)."""
    return _act(contracts.submit, contract_id)


@blp.post("/<uuid:contract_id>/activate")
@blp.response(200, ContractSchema)
def activate_contract(contract_id: uuid.UUID) -> dict[str, Any]:
    """An approved contract takes effect and becomes its order."""
    return _act(contracts.activate, contract_id)


@blp.post("/<uuid:contract_id>/amendments")
@idempotent
@blp.response(201, ContractSchema)
def amend_contract(contract_id: uuid.UUID) -> dict[str, Any]:
    """A new draft version of an approved or active contract."""
    return _act(contracts.amend, contract_id, today())


@blp.post("/<uuid:contract_id>/renewal")
@idempotent
@blp.response(201, ContractSchema)
def renew_contract(contract_id: uuid.UUID) -> dict[str, Any]:
    """A new draft contract continuing this one."""
    return _act(contracts.renew, contract_id, today())


@blp.post("/<uuid:contract_id>/void")
@blp.arguments(ReasonSchema)
@blp.response(200, ContractSchema)
def void_contract(data: dict[str, Any], contract_id: uuid.UUID) -> dict[str, Any]:
    """Void a contract that has not taken effect."""
    return _act(contracts.void, contract_id, data["reason"])


@blp.post("/<uuid:contract_id>/attachments")
@blp.response(201, ContractSchema)
def attach(contract_id: uuid.UUID) -> dict[str, Any]:
    """Attach a file (multipart field ``file``, up to 10 MB) to the contract."""
    from flask import request

    session = db_session()
    contract = contracts.get(session, current_principal(), contract_id, lock=True)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed.field("file", "attach a file as multipart field 'file'")
    data = upload.read()
    content_type = files.check_upload(
        data, field="file", max_bytes=10 * 1024 * 1024, declared_type=upload.mimetype
    )
    file_id = files.save(
        session,
        purpose="contract",
        filename=upload.filename or "file",
        content_type=content_type,
        data=data,
        created_by=current_principal().id,
    )
    contract.attachment_ids = ",".join(filter(None, [contract.attachment_ids, str(file_id)]))
    return contract_view(session, contract)
