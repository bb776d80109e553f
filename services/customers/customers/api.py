"""HTTP routes of the customers service: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, request

from crm_shared import files, imports
from crm_shared.auth import ADMIN, MANAGER, REP
from crm_shared.errors import ValidationFailed
from crm_shared.public_url import public_url
from crm_shared.web import (
    Blueprint,
    body_limit,
    current_principal,
    db_session,
    idempotent,
    public,
    require_roles,
    service_context,
)

from . import access, activities, commands, insights, planner, pools
from .importing import SPEC as IMPORT_SPEC
from .schemas import (
    AssignSchema,
    AuditArgsSchema,
    CalendarArgsSchema,
    CalendarSchema,
    CheckInSchema,
    CheckOutSchema,
    ContactInSchema,
    ContactListSchema,
    ContactPatchSchema,
    ContactSchema,
    Customer360Schema,
    CustomerInSchema,
    CustomerListArgsSchema,
    CustomerPageSchema,
    CustomerPatchSchema,
    CustomerSchema,
    FeedSchema,
    FollowUpInSchema,
    FollowUpListArgsSchema,
    FollowUpPageSchema,
    FollowUpSchema,
    ImportArgsSchema,
    LimitInSchema,
    LimitListSchema,
    LimitSchema,
    LockSchema,
    NearArgsSchema,
    NearSchema,
    OwnershipChangePageSchema,
    OwnershipHistorySchema,
    PoolCustomerArgsSchema,
    PoolInSchema,
    PoolListSchema,
    PoolPatchSchema,
    PoolSchema,
    RecomputeSchema,
    RecycleInSchema,
    RecycleReportSchema,
    ReleaseSchema,
    TaskInSchema,
    TaskListArgsSchema,
    TaskPageSchema,
    TaskPatchSchema,
    TaskSchema,
    TierConfigSchema,
    TierExplanationSchema,
    TierSummarySchema,
    VisitListArgsSchema,
    VisitPageSchema,
    VisitSchema,
)

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customers")
pools_blp = Blueprint("pools", __name__, url_prefix="/api/v1/pools", description="Public pools")
contacts_blp = Blueprint(
    "contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts"
)
followups_blp = Blueprint(
    "followups", __name__, url_prefix="/api/v1/followups", description="Follow-ups"
)
visits_blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits", description="Field visits")
tasks_blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Tasks")
calendar_blp = Blueprint(
    "calendar", __name__, url_prefix="/api/v1/calendar", description="Calendar and its feed"
)
tiers_blp = Blueprint("tiers", __name__, url_prefix="/api/v1/tiers", description="Tiers")

BLUEPRINTS = [
    blp,
    pools_blp,
    contacts_blp,
    followups_blp,
    visits_blp,
    tasks_blp,
    calendar_blp,
    tiers_blp,
]


def _extra() -> dict[str, Any]:
    return service_context().settings.extra


def _page(items: Any, cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}


# ---------------------------------------------------------------- customers


@blp.post("")
@idempotent
@blp.arguments(CustomerInSchema)
@blp.response(201, CustomerSchema)
def create_customer(data: dict[str, Any]) -> Any:
    """Enter a customer by hand: the caller owns it, or it goes into a pool (``in_pool``)."""
    return commands.create_customer(db_session(), current_principal(), data)


@blp.get("")
@blp.arguments(CustomerListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CustomerPageSchema)
def list_customers(**args: Any) -> dict[str, Any]:
    """Customers the caller may see (own, collaborated on, team's, their pools')."""
    return _page(*commands.list_customers(db_session(), current_principal(), args))


@blp.get("/near")
@blp.arguments(NearArgsSchema, location="query", as_kwargs=True)
@blp.response(200, NearSchema)
def customers_near(**args: Any) -> dict[str, Any]:
    """Customers with coordinates within a radius of a point, nearest first."""
    items = commands.near(
        db_session(),
        current_principal(),
        args["latitude"],
        args["longitude"],
        args["radius_km"],
        args["limit"],
        args["mine"],
    )
    return {"items": items}


@blp.get("/ownership-limits")
@require_roles(ADMIN, MANAGER)
@blp.response(200, LimitListSchema)
def list_limits() -> dict[str, Any]:
    """How many customers reps may own: per user, per team member, and the default."""
    return {"items": commands.list_limits(db_session())}


@blp.put("/ownership-limits")
@require_roles(ADMIN)
@blp.arguments(LimitInSchema)
@blp.response(200, LimitSchema)
def put_limit(data: dict[str, Any]) -> Any:
    """Set a limit for a user, for each member of a team, or (neither) the default."""
    return commands.put_limit(db_session(), current_principal(), data)


@blp.delete("/ownership-limits/<uuid:limit_id>")
@require_roles(ADMIN)
@blp.response(204)
def delete_limit(limit_id: uuid.UUID) -> Any:
    """Remove a limit; the next more general one applies."""
    commands.delete_limit(db_session(), limit_id)
    return ""


@blp.post("/pool/recycle")
@blp.arguments(RecycleInSchema, required=False)
@blp.response(200, RecycleReportSchema)
def recycle(data: dict[str, Any]) -> Any:
    """Apply the pools' recycling rules now (admins; a pool's admins for their pool)."""
    data = data or {}
    return pools.recycle_now(
        db_session(), current_principal(), data.get("pool_id"), bool(data.get("dry_run"))
    )


_IMPORT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {
                            "type": "string",
                            "description": 'JSON object {"CSV column": "customer field"}',
                        },
                        "in_pool": {"type": "string", "enum": ["true", "false"]},
                        "pool_id": {"type": "string", "format": "uuid"},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


def _import_options(form: dict[str, str]) -> tuple[dict[str, str] | None, dict[str, Any]]:
    mapping = imports.upload_mapping(form, options=("in_pool", "pool_id"))
    options: dict[str, Any] = {}
    if "in_pool" in form:
        if form["in_pool"] not in ("true", "false"):
            raise ValidationFailed.field("in_pool", "must be true or false")
        options["in_pool"] = form["in_pool"] == "true"
    if form.get("pool_id"):
        try:
            pool_id = uuid.UUID(form["pool_id"])
        except ValueError as exc:
            raise ValidationFailed.field("pool_id", "is not a UUID") from exc
        if pool_id not in access.reach(db_session(), current_principal()).pool_ids:
            raise ValidationFailed.field("pool_id", "no such pool, or not one you belong to")
        options["pool_id"] = str(pool_id)
    return mapping, options


@blp.post("/imports")
@require_roles(ADMIN, MANAGER, REP)
@body_limit("max_import_bytes")
@blp.arguments(ImportArgsSchema, location="query", as_kwargs=True)
@blp.doc(**_IMPORT_DOC)
@blp.response(202, imports.ImportJobSchema)
def create_import(**_args: Any) -> Any:
    """Upload a CSV (ours, Salesforce accounts, HubSpot companies, or a custom mapping).

    The worker imports it in chunks; poll the job for progress and per-row
    errors. Customers go to the uploader (within their ownership limit) or,
    with ``in_pool=true``, into the pool.
    """
    principal = current_principal()
    filename, data, form = imports.read_upload("file")
    mapping, options = _import_options(form)
    if principal.team_id:
        options["team_id"] = str(principal.team_id)
    return imports.create_job(
        db_session(),
        IMPORT_SPEC,
        data=data,
        filename=filename,
        created_by=principal.id,
        mapping=mapping,
        options=options,
        max_rows=_extra()["max_import_rows"],
    )


@blp.get("/imports/<uuid:import_id>")
@blp.response(200, imports.ImportJobSchema)
def get_import(import_id: uuid.UUID) -> Any:
    """An import's progress and per-row errors (line number, field and reason)."""
    return imports.get_job(db_session(), IMPORT_SPEC.kind, import_id, viewer=current_principal())


@blp.get("/<uuid:customer_id>")
@blp.response(200, CustomerSchema)
def get_customer(customer_id: uuid.UUID) -> Any:
    """One customer."""
    return commands.get_customer(db_session(), current_principal(), customer_id)


@blp.patch("/<uuid:customer_id>")
@blp.arguments(CustomerPatchSchema)
@blp.response(200, CustomerSchema)
def update_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Change a customer's profile: industry, region, size, address and coordinates, tags,
    custom fields (owner, their manager, an admin)."""
    return commands.update_customer(db_session(), current_principal(), customer_id, data)


@blp.get("/<uuid:customer_id>/360")
@blp.response(200, Customer360Schema)
def customer_360(customer_id: uuid.UUID) -> Any:
    """Profile, contacts, owner history, follow-ups, visits, opportunities, orders, payments,
    tickets and satisfaction, and the tier, in one request."""
    return insights.view_360(db_session(), current_principal(), customer_id)


@blp.get("/<uuid:customer_id>/tier")
@blp.response(200, TierExplanationSchema)
def customer_tier(customer_id: uuid.UUID) -> Any:
    """The customer's tier and the figures that put it there."""
    return insights.tier_of(db_session(), current_principal(), customer_id)


@blp.get("/<uuid:customer_id>/ownership")
@blp.response(200, OwnershipHistorySchema)
def ownership_history(customer_id: uuid.UUID) -> Any:
    """Who owned the customer when, who changed it and why."""
    return {"items": commands.ownership_history(db_session(), current_principal(), customer_id)}


@blp.post("/<uuid:customer_id>/claim")
@blp.response(200, CustomerSchema)
def claim_customer(customer_id: uuid.UUID) -> Any:
    """Claim a customer from its pool; 409 when someone else got it first or a limit is hit."""
    return commands.claim(db_session(), current_principal(), customer_id)


@blp.post("/<uuid:customer_id>/release")
@blp.arguments(ReleaseSchema, required=False)
@blp.response(200, CustomerSchema)
def release_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Return a customer to the pool, with a reason."""
    data = data or {}
    return commands.release(
        db_session(), current_principal(), customer_id, data.get("reason"), data.get("pool_id")
    )


@blp.post("/<uuid:customer_id>/assign")
@blp.arguments(AssignSchema)
@blp.response(200, CustomerSchema)
def assign_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Assign a pool customer, or transfer an owned one, to a rep (managers and admins)."""
    return commands.assign(
        db_session(), current_principal(), customer_id, data["owner_id"], data.get("reason")
    )


@blp.post("/<uuid:customer_id>/lock")
@blp.arguments(LockSchema, required=False)
@blp.response(200, CustomerSchema)
def lock_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Protect a customer from recycling (up to the pool's cap per owner)."""
    return commands.set_lock(
        db_session(), current_principal(), customer_id, True, (data or {}).get("reason")
    )


@blp.delete("/<uuid:customer_id>/lock")
@blp.response(200, CustomerSchema)
def unlock_customer(customer_id: uuid.UUID) -> Any:
    """Let the recycling rules apply to the customer again."""
    return commands.set_lock(db_session(), current_principal(), customer_id, False, None)


@blp.put("/<uuid:customer_id>/collaborators/<uuid:user_id>")
@blp.response(200, CustomerSchema)
def add_collaborator(customer_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    """Let a colleague work the customer alongside its owner."""
    return commands.set_collaborator(db_session(), current_principal(), customer_id, user_id, True)


@blp.delete("/<uuid:customer_id>/collaborators/<uuid:user_id>")
@blp.response(200, CustomerSchema)
def remove_collaborator(customer_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    """Stop a colleague collaborating on the customer."""
    return commands.set_collaborator(db_session(), current_principal(), customer_id, user_id, False)


@blp.get("/<uuid:customer_id>/contacts")
@blp.response(200, ContactListSchema)
def list_contacts(customer_id: uuid.UUID) -> Any:
    """The customer's contacts, primary first."""
    return {"items": activities.contacts_of(db_session(), current_principal(), customer_id)}


@blp.post("/<uuid:customer_id>/contacts")
@idempotent
@blp.arguments(ContactInSchema)
@blp.response(201, ContactSchema)
def add_contact(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Add a contact; the first one becomes the primary contact."""
    return activities.add_contact(db_session(), current_principal(), customer_id, data)


@blp.post("/<uuid:customer_id>/followups")
@idempotent
@blp.arguments(FollowUpInSchema)
@blp.response(201, FollowUpSchema)
def log_followup(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Log a call, visit, email, meeting or note; restarts the no-follow-up recycling clock."""
    return activities.log_followup(
        db_session(),
        current_principal(),
        customer_id,
        data,
        reminder_minutes=_extra()["followup_reminder_minutes"],
    )


@blp.get("/<uuid:customer_id>/followups")
@blp.arguments(FollowUpListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, FollowUpPageSchema)
def customer_followups(customer_id: uuid.UUID, **args: Any) -> Any:
    """The customer's follow-ups, newest first."""
    session, principal = db_session(), current_principal()
    commands.get_customer(session, principal, customer_id)
    args["customer_id"] = customer_id
    return _page(*activities.list_followups(session, principal, args))


@blp.post("/<uuid:customer_id>/visits")
@blp.arguments(CheckInSchema)
@blp.response(201, VisitSchema)
def check_in(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Check in at a customer with GPS coordinates; far from its address is flagged."""
    return activities.check_in(
        db_session(),
        current_principal(),
        customer_id,
        data,
        far_meters=_extra()["far_checkin_meters"],
    )


@blp.get("/<uuid:customer_id>/visits")
@blp.arguments(VisitListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, VisitPageSchema)
def customer_visits(customer_id: uuid.UUID, **args: Any) -> Any:
    """The customer's visits, newest first."""
    session, principal = db_session(), current_principal()
    commands.get_customer(session, principal, customer_id)
    args["customer_id"] = customer_id
    return _page(*activities.list_visits(session, principal, args))


# ---------------------------------------------------------------- pools


@pools_blp.get("")
@pools_blp.response(200, PoolListSchema)
def list_pools() -> Any:
    """The pools the caller belongs to or runs."""
    return {"items": pools.list_pools(db_session(), current_principal())}


@pools_blp.post("")
@require_roles(ADMIN)
@idempotent
@pools_blp.arguments(PoolInSchema)
@pools_blp.response(201, PoolSchema)
def create_pool(data: dict[str, Any]) -> Any:
    """A new pool with its members, admins, hidden fields and rules (admins)."""
    return pools.create_pool(db_session(), current_principal(), data)


@pools_blp.get("/<uuid:pool_id>")
@pools_blp.response(200, PoolSchema)
def get_pool(pool_id: uuid.UUID) -> Any:
    """One pool."""
    return pools.get_pool(db_session(), current_principal(), pool_id)


@pools_blp.patch("/<uuid:pool_id>")
@pools_blp.arguments(PoolPatchSchema)
@pools_blp.response(200, PoolSchema)
def update_pool(data: dict[str, Any], pool_id: uuid.UUID) -> Any:
    """Change a pool's rules, hidden fields or members (its admins)."""
    return pools.update_pool(db_session(), current_principal(), pool_id, data)


@pools_blp.get("/<uuid:pool_id>/customers")
@pools_blp.arguments(PoolCustomerArgsSchema, location="query", as_kwargs=True)
@pools_blp.response(200, CustomerPageSchema)
def pool_customers(pool_id: uuid.UUID, **args: Any) -> Any:
    """The pool's unclaimed customers, the most valuable (or best scored) first."""
    session, principal = db_session(), current_principal()
    pools.get_pool(session, principal, pool_id)
    args.update(pool_id=pool_id, in_pool=True)
    return _page(*commands.list_customers(session, principal, args))


@pools_blp.get("/<uuid:pool_id>/audit")
@pools_blp.arguments(AuditArgsSchema, location="query", as_kwargs=True)
@pools_blp.response(200, OwnershipChangePageSchema)
def pool_audit(pool_id: uuid.UUID, **args: Any) -> Any:
    """Who claimed, released, was recycled or assigned in the pool, when and why."""
    return _page(*pools.audit(db_session(), current_principal(), pool_id, args))


# ---------------------------------------------------------------- contacts


@contacts_blp.get("/<uuid:contact_id>")
@contacts_blp.response(200, ContactSchema)
def get_contact(contact_id: uuid.UUID) -> Any:
    """One contact."""
    return activities.get_contact(db_session(), current_principal(), contact_id)


@contacts_blp.patch("/<uuid:contact_id>")
@contacts_blp.arguments(ContactPatchSchema)
@contacts_blp.response(200, ContactSchema)
def update_contact(data: dict[str, Any], contact_id: uuid.UUID) -> Any:
    """Change a contact; ``is_primary: true`` makes it the primary one."""
    return activities.update_contact(db_session(), current_principal(), contact_id, data)


@contacts_blp.delete("/<uuid:contact_id>")
@contacts_blp.response(204)
def delete_contact(contact_id: uuid.UUID) -> Any:
    """Remove a contact (the oldest other one becomes primary if needed)."""
    activities.delete_contact(db_session(), current_principal(), contact_id)
    return ""


# ---------------------------------------------------------------- follow-ups


@followups_blp.get("")
@followups_blp.arguments(FollowUpListArgsSchema, location="query", as_kwargs=True)
@followups_blp.response(200, FollowUpPageSchema)
def list_followups(**args: Any) -> Any:
    """Follow-ups the caller may see, newest first, by customer, author, kind or period."""
    return _page(*activities.list_followups(db_session(), current_principal(), args))


@followups_blp.get("/<uuid:followup_id>")
@followups_blp.response(200, FollowUpSchema)
def get_followup(followup_id: uuid.UUID) -> Any:
    """One follow-up."""
    return activities.get_followup(db_session(), current_principal(), followup_id)


# ---------------------------------------------------------------- visits

_PHOTO_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/webp": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo"],
                    "properties": {"photo": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


@visits_blp.get("")
@visits_blp.arguments(VisitListArgsSchema, location="query", as_kwargs=True)
@visits_blp.response(200, VisitPageSchema)
def list_visits(**args: Any) -> Any:
    """Visit history: per rep, per customer, per period; far check-ins can be picked out."""
    return _page(*activities.list_visits(db_session(), current_principal(), args))


@visits_blp.get("/<uuid:visit_id>")
@visits_blp.response(200, VisitSchema)
def get_visit(visit_id: uuid.UUID) -> Any:
    """One visit."""
    return activities.get_visit(db_session(), current_principal(), visit_id)


@visits_blp.post("/<uuid:visit_id>/check-out")
@visits_blp.arguments(CheckOutSchema)
@visits_blp.response(200, VisitSchema)
def check_out(data: dict[str, Any], visit_id: uuid.UUID) -> Any:
    """Check out; the visit is logged as a follow-up (restarting the recycling clock)."""
    return activities.check_out(
        db_session(),
        current_principal(),
        visit_id,
        data,
        reminder_minutes=_extra()["followup_reminder_minutes"],
    )


@visits_blp.put("/<uuid:visit_id>/photo")
@body_limit("photo_max_bytes")
@visits_blp.doc(**_PHOTO_DOC)
@visits_blp.response(200, VisitSchema)
def put_photo(visit_id: uuid.UUID) -> Any:
    """Attach a photo (JPEG, PNG or WebP; size-checked) as the raw body or form field ``photo``."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("photo")
        if upload is None:
            raise ValidationFailed.field("photo", "is required (an image file)")
        filename, declared, data = upload.filename or "photo", upload.mimetype, upload.read()
    else:
        filename, declared, data = "photo", request.mimetype, request.get_data(cache=False)
    return activities.attach_photo(
        db_session(),
        current_principal(),
        visit_id,
        data,
        filename=filename,
        declared_type=declared,
        max_bytes=_extra()["photo_max_bytes"],
    )


@visits_blp.get("/<uuid:visit_id>/photo")
@visits_blp.doc(
    responses={
        "200": {
            "description": "the photo",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in activities.PHOTO_TYPES
            },
        }
    }
)
def get_photo(visit_id: uuid.UUID) -> Response:
    """The visit's photo."""
    stored = activities.photo_of(db_session(), current_principal(), visit_id)
    return Response(
        stored.content,
        mimetype=stored.content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "ETag": stored.sha256,
            "Content-Disposition": files.content_disposition(stored.filename, inline=True),
        },
    )


# ---------------------------------------------------------------- tasks


@tasks_blp.post("")
@idempotent
@tasks_blp.arguments(TaskInSchema)
@tasks_blp.response(201, TaskSchema)
def create_task(data: dict[str, Any]) -> Any:
    """A task or planned follow-up with priority, due time and reminder."""
    return planner.create_task(db_session(), current_principal(), data)


@tasks_blp.get("")
@tasks_blp.arguments(TaskListArgsSchema, location="query", as_kwargs=True)
@tasks_blp.response(200, TaskPageSchema)
def list_tasks(**args: Any) -> Any:
    """Tasks the caller may see, soonest due first."""
    return _page(*planner.list_tasks(db_session(), current_principal(), args))


@tasks_blp.get("/<uuid:task_id>")
@tasks_blp.response(200, TaskSchema)
def get_task(task_id: uuid.UUID) -> Any:
    """One task."""
    return planner.get_task(db_session(), current_principal(), task_id)


@tasks_blp.patch("/<uuid:task_id>")
@tasks_blp.arguments(TaskPatchSchema)
@tasks_blp.response(200, TaskSchema)
def update_task(data: dict[str, Any], task_id: uuid.UUID) -> Any:
    """Change a task (moving it keeps its reminder's lead time and re-arms it)."""
    return planner.update_task(db_session(), current_principal(), task_id, data)


@tasks_blp.delete("/<uuid:task_id>")
@tasks_blp.response(204)
def delete_task(task_id: uuid.UUID) -> Any:
    """Remove a task."""
    planner.delete_task(db_session(), current_principal(), task_id)
    return ""


@tasks_blp.post("/<uuid:task_id>/complete")
@tasks_blp.response(200, TaskSchema)
def complete_task(task_id: uuid.UUID) -> Any:
    """Mark a task done."""
    return planner.complete_task(db_session(), current_principal(), task_id, True)


@tasks_blp.post("/<uuid:task_id>/reopen")
@tasks_blp.response(200, TaskSchema)
def reopen_task(task_id: uuid.UUID) -> Any:
    """Open a done task again."""
    return planner.complete_task(db_session(), current_principal(), task_id, False)


# ---------------------------------------------------------------- calendar


@calendar_blp.get("")
@calendar_blp.arguments(CalendarArgsSchema, location="query", as_kwargs=True)
@calendar_blp.response(200, CalendarSchema)
def get_calendar(**args: Any) -> Any:
    """Tasks, planned follow-ups and visits in ``[from, to)``, or a day, week or month view."""
    if "view" in args:
        start, end = planner.period(args["view"], args.get("date"), args["tz"])
    else:
        start, end = args["from_"], args["to"]
    return planner.calendar(db_session(), current_principal(), start, end, args.get("user_id"))


def _feed_path(token: str) -> str:
    return f"/api/v1/calendar/feeds/{token}.ics"


@calendar_blp.post("/feed")
@calendar_blp.response(201, FeedSchema)
def create_feed() -> Any:
    """A secret iCalendar address for the caller's calendar (replaces any earlier one).

    Calendar apps subscribe to it without a token; keep it private, and
    create a new one (or delete it) to revoke it.
    """
    session = db_session()
    token = planner.create_feed(session, current_principal())
    path = _feed_path(token)
    return {
        "path": path,
        "url": public_url(path),  # the gateway's public address, never ours
        "created_at": planner.feed_status(session, current_principal()).created_at,
    }


@calendar_blp.get("/feed")
@calendar_blp.response(200, FeedSchema)
def get_feed() -> Any:
    """Whether the caller has a feed (its address is shown only when created)."""
    feed = planner.feed_status(db_session(), current_principal())
    return {"path": None, "url": None, "created_at": feed.created_at}


@calendar_blp.delete("/feed")
@calendar_blp.response(204)
def delete_feed() -> Any:
    """Revoke the caller's feed address."""
    planner.revoke_feed(db_session(), current_principal())
    return ""


@calendar_blp.get("/feeds/<string:token>.ics")
@public
@calendar_blp.doc(
    security=[],
    responses={
        "200": {
            "description": "an iCalendar document",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    },
)
def calendar_feed(token: str) -> Response:
    """The iCalendar feed behind a secret address (no bearer token: the address is the key)."""
    body = planner.feed_calendar(db_session(), token)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": "inline; filename=crm.ics",
        },
    )


# ---------------------------------------------------------------- tiers


@tiers_blp.get("")
@tiers_blp.response(200, TierSummarySchema)
def tier_summary() -> Any:
    """How many of the caller's visible customers are in each tier."""
    return insights.tier_summary(db_session(), current_principal())


@tiers_blp.get("/config")
@tiers_blp.response(200, TierConfigSchema)
def get_tier_config() -> Any:
    """The tier thresholds in force."""
    return insights.thresholds(db_session()).to_dict()


@tiers_blp.put("/config")
@require_roles(ADMIN)
@tiers_blp.arguments(TierConfigSchema)
@tiers_blp.response(200, TierConfigSchema)
def put_tier_config(data: dict[str, Any]) -> Any:
    """Change the thresholds (values not given keep theirs); run a recomputation after."""
    return insights.set_thresholds(db_session(), current_principal(), data).to_dict()


@tiers_blp.post("/recompute")
@require_roles(ADMIN)
@tiers_blp.response(200, RecomputeSchema)
def recompute_tiers() -> Any:
    """Recompute every customer's tier now (the worker also does it on a schedule)."""
    return {"recomputed": insights.recompute(db_session())}
