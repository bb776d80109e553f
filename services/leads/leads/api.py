"""HTTP routes of the leads service: parse, call, respond."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from flask import Response, request, stream_with_context
from marshmallow import ValidationError

from crm_shared import imports
from crm_shared.client_address import client_address
from crm_shared.errors import ValidationFailed
from crm_shared.schemas import PageArgsSchema
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

from . import admin, commands, forms
from .importing import SPEC
from .schemas import (
    ActivityInSchema,
    ActivityPageSchema,
    ActivitySchema,
    AssignInSchema,
    AssignmentRuleInSchema,
    AssignmentRuleListSchema,
    AssignmentRuleSchema,
    BatchInSchema,
    BatchResultSchema,
    CampaignInSchema,
    CampaignPageSchema,
    CampaignPatchSchema,
    CampaignSchema,
    DisqualifyInSchema,
    ExportArgsSchema,
    FormReceiptSchema,
    ImportArgsSchema,
    LeadCapturedSchema,
    LeadInSchema,
    LeadListArgsSchema,
    LeadPageSchema,
    LeadSchema,
    LeadUpdateSchema,
    MemberListSchema,
    MemberSchema,
    MemberUpdateSchema,
    MergeInSchema,
    ModelSchema,
    QualificationSettingsSchema,
    ScoringRuleInSchema,
    ScoringRuleListSchema,
    ScoringRuleSchema,
    SourceInSchema,
    SourcePageSchema,
    SourcePatchSchema,
    SourceSchema,
    StatusInSchema,
)

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads")
campaigns = Blueprint(
    "campaigns", __name__, url_prefix="/api/v1/campaigns", description="Campaigns"
)
sources = Blueprint(
    "lead_sources", __name__, url_prefix="/api/v1/lead-sources", description="Lead sources"
)
form_blp = Blueprint(
    "forms", __name__, url_prefix="/api/v1/forms", description="Public web-form capture"
)
scoring_blp = Blueprint(
    "scoring", __name__, url_prefix="/api/v1/scoring-rules", description="Lead scoring"
)
assignment_blp = Blueprint(
    "assignment", __name__, url_prefix="/api/v1/assignment-rules", description="Lead assignment"
)
MANAGERS = ("admin", "manager")


def _extra() -> dict[str, Any]:
    return service_context().settings.extra


def _region() -> str:
    return _extra()["default_region"]


# ---------------------------------------------------------------- leads


@blp.post("")
@idempotent
@blp.arguments(LeadInSchema())  # an instance: webargs would build one per request
@blp.response(201, LeadCapturedSchema)
@blp.alt_response(
    200, schema=LeadCapturedSchema, description="matched an existing lead: merged into it"
)
def create_lead(data: dict[str, Any]) -> Any:
    """Capture a lead (honours Idempotency-Key); a known email or phone merges into its lead."""
    lead, created = commands.capture_one(db_session(), current_principal(), data, _region())
    return lead if created else (lead, 200)


@blp.post("/batch")
@body_limit("max_batch_bytes")
@idempotent
@blp.arguments(BatchInSchema())
@blp.response(200, BatchResultSchema)
def create_batch(data: dict[str, Any]) -> dict[str, Any]:
    """Capture up to 1,000 leads: a result per item; good items are kept when others fail."""
    schema = LeadInSchema()

    def load(raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ValidationError("must be an object", "(item)")
        return schema.load(raw)

    return commands.capture_batch(
        db_session(),
        current_principal(),
        data["leads"],
        auto_assign=data["auto_assign"],
        region=_region(),
        load_item=load,
    )


@blp.get("")
@blp.arguments(LeadListArgsSchema(), location="query", as_kwargs=True)
@blp.response(200, LeadPageSchema)
def list_leads(**args: Any) -> dict[str, Any]:
    """Leads in the caller's scope; ``sort=-score`` is the work list in priority order."""
    items, cursor = commands.list_leads(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:lead_id>")
@blp.response(200, LeadSchema)
def get_lead(lead_id: uuid.UUID) -> Any:
    """One lead, with its score and the reasons for it."""
    return commands.get_lead(db_session(), current_principal(), lead_id)


@blp.patch("/<uuid:lead_id>")
@blp.arguments(LeadUpdateSchema)
@blp.response(200, LeadSchema)
def update_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Correct a lead's facts."""
    return commands.update_lead(db_session(), current_principal(), lead_id, data, _region())


@blp.post("/<uuid:lead_id>/status")
@blp.arguments(StatusInSchema)
@blp.response(200, LeadSchema)
def move_status(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Move a lead to ``contacted`` or ``nurturing``."""
    return commands.move_status(
        db_session(), current_principal(), lead_id, data["status"], data.get("note")
    )


@blp.post("/<uuid:lead_id>/qualify")
@blp.response(200, LeadSchema)
def qualify_lead(lead_id: uuid.UUID) -> Any:
    """Qualify a lead; customers and opportunities take it from here."""
    return commands.qualify_lead(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/disqualify")
@blp.arguments(DisqualifyInSchema)
@blp.response(200, LeadSchema)
def disqualify_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Disqualify a lead with a reason."""
    return commands.disqualify_lead(db_session(), current_principal(), lead_id, data["reason"])


@blp.post("/<uuid:lead_id>/assign")
@blp.arguments(AssignInSchema)
@blp.response(200, LeadSchema)
def assign_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Reassign a lead by hand (managers), with a reason."""
    return commands.assign_manually(
        db_session(), current_principal(), lead_id, data["owner_id"], data["reason"]
    )


@blp.post("/<uuid:lead_id>/merge")
@blp.arguments(MergeInSchema)
@blp.response(200, LeadSchema)
def merge_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Fold another lead into this one, keeping the history of both."""
    return commands.merge_leads(db_session(), current_principal(), lead_id, data["other_id"])


@blp.post("/<uuid:lead_id>/not-duplicate")
@blp.response(200, LeadSchema)
def not_duplicate(lead_id: uuid.UUID) -> Any:
    """Clear a likely-duplicate flag after review."""
    return commands.dismiss_duplicate(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/activities")
@blp.arguments(ActivityInSchema)
@blp.response(201, ActivitySchema)
def add_activity(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Record a follow-up (call, email, meeting, note) or behaviour (open, visit, submit)."""
    return commands.add_activity(db_session(), current_principal(), lead_id, data)


@blp.get("/<uuid:lead_id>/activities")
@blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ActivityPageSchema)
def list_activities(lead_id: uuid.UUID, **args: Any) -> dict[str, Any]:
    """A lead's history, newest first."""
    items, cursor = commands.list_activities(db_session(), current_principal(), lead_id, args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/export")
@blp.arguments(ExportArgsSchema, location="query", as_kwargs=True)
@blp.doc(
    responses={
        "200": {
            "description": "the leads as CSV (UTF-8 with BOM); re-importable as is",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
)
def export_leads(**args: Any) -> Response:
    """Export the caller's leads in our own CSV format (streamed)."""
    principal = current_principal()
    db = service_context().db

    def rows() -> Iterator[str]:
        with db.reading() as session:
            yield from commands.export_csv(session, principal, args)

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="leads.csv"'},
    )


_UPLOAD_DOC = {
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
                            "description": 'JSON object {"CSV column": "lead field"}',
                        },
                        "assign": {"type": "string", "enum": ["true", "false"]},
                        "campaign_id": {"type": "string", "format": "uuid"},
                        "source": {"type": "string", "maxLength": 100},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


def _import_options(form: dict[str, str]) -> tuple[dict[str, str] | None, dict[str, Any]]:
    mapping = imports.upload_mapping(form, options=("assign", "campaign_id", "source"))
    options: dict[str, Any] = {}
    if "assign" in form:
        if form["assign"] not in ("true", "false"):
            raise ValidationFailed.field("assign", "must be true or false")
        options["assign"] = form["assign"] == "true"
    if form.get("campaign_id"):
        try:
            campaign_id = uuid.UUID(form["campaign_id"])
        except ValueError as exc:
            raise ValidationFailed.field("campaign_id", "is not a UUID") from exc
        admin.get_campaign(db_session(), campaign_id)
        options["campaign_id"] = str(campaign_id)
    if form.get("source"):
        options["source"] = form["source"][:100]
    return mapping, options


@blp.post("/imports")
@body_limit("max_import_bytes")
@blp.arguments(ImportArgsSchema, location="query", as_kwargs=True)
@blp.doc(**_UPLOAD_DOC)
@blp.response(202, imports.ImportJobSchema)
def create_import(**_args: Any) -> Any:
    """Upload a CSV (ours, Salesforce, HubSpot, or a custom mapping) as an import job."""
    principal = current_principal()
    filename, data, form = imports.read_upload("file")
    mapping, options = _import_options(form)
    if principal.team_id:
        options["team_id"] = str(principal.team_id)
    return imports.create_job(
        db_session(),
        SPEC,
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
    """An import's progress and per-row errors (line number and reason)."""
    return imports.get_job(db_session(), SPEC.kind, import_id, viewer=current_principal())


# ---------------------------------------------------------------- campaigns


@campaigns.post("")
@require_roles(*MANAGERS)
@campaigns.arguments(CampaignInSchema)
@campaigns.response(201, CampaignSchema)
def create_campaign(data: dict[str, Any]) -> Any:
    """A new campaign (channel, budget, dates)."""
    session = db_session()
    campaign = admin.create_campaign(session, current_principal(), data)
    return admin.with_stats(session, [campaign])[0]


@campaigns.get("")
@campaigns.arguments(PageArgsSchema, location="query", as_kwargs=True)
@campaigns.response(200, CampaignPageSchema)
def list_campaigns(**args: Any) -> dict[str, Any]:
    """Campaigns with their results, newest first."""
    session = db_session()
    items, cursor = admin.list_campaigns(session, args)
    return {"items": admin.with_stats(session, items), "next_cursor": cursor}


@campaigns.get("/<uuid:campaign_id>")
@campaigns.response(200, CampaignSchema)
def get_campaign(campaign_id: uuid.UUID) -> Any:
    """A campaign: leads captured, qualified, won, revenue, cost per lead and ROI."""
    session = db_session()
    return admin.with_stats(session, [admin.get_campaign(session, campaign_id)])[0]


@campaigns.patch("/<uuid:campaign_id>")
@require_roles(*MANAGERS)
@campaigns.arguments(CampaignPatchSchema(partial=True))
@campaigns.response(200, CampaignSchema)
def update_campaign(data: dict[str, Any], campaign_id: uuid.UUID) -> Any:
    """Change a campaign."""
    session = db_session()
    return admin.with_stats(session, [admin.update_campaign(session, campaign_id, data)])[0]


# ---------------------------------------------------------------- sources


@sources.post("")
@require_roles(*MANAGERS)
@sources.arguments(SourceInSchema)
@sources.response(201, SourceSchema)
def create_source(data: dict[str, Any]) -> Any:
    """A capture point with its form key (shown in this answer only)."""
    return admin.create_source(db_session(), current_principal(), data)


@sources.get("")
@require_roles(*MANAGERS)
@sources.arguments(PageArgsSchema, location="query", as_kwargs=True)
@sources.response(200, SourcePageSchema)
def list_sources(**args: Any) -> dict[str, Any]:
    """Capture points."""
    items, cursor = admin.list_sources(db_session(), args)
    return {"items": items, "next_cursor": cursor}


@sources.patch("/<uuid:source_id>")
@require_roles(*MANAGERS)
@sources.arguments(SourcePatchSchema(partial=True))
@sources.response(200, SourceSchema)
def update_source(data: dict[str, Any], source_id: uuid.UUID) -> Any:
    """Change a capture point (origins, limits, campaign, active)."""
    return admin.update_source(db_session(), source_id, data)


@sources.post("/<uuid:source_id>/rotate-key")
@require_roles(*MANAGERS)
@sources.response(200, SourceSchema)
def rotate_key(source_id: uuid.UUID) -> Any:
    """A new form key; the old one stops working."""
    return admin.rotate_key(db_session(), source_id)


# ---------------------------------------------------------------- public forms

_FORM_DOC = {
    "security": [],
    "requestBody": {
        "required": True,
        "content": {
            kind: {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "maxLength": 300}
                        for name in sorted(forms.FORM_FIELDS | forms.UTM_FIELDS)
                    },
                    "additionalProperties": {"type": "string"},
                }
            }
            for kind in ("application/json", "application/x-www-form-urlencoded")
        },
    },
}


def _client_address() -> str:
    # X-Forwarded-For counts only from a trusted proxy (CRM_TRUSTED_PROXIES).
    return client_address()


@form_blp.post("/<string:form_key>")
@public
@form_blp.doc(**_FORM_DOC)
@form_blp.response(202, FormReceiptSchema)
def submit_form(form_key: str) -> Any:
    """A landing-page form post, authorised by the source's form key (no user token)."""
    if request.mimetype == "application/json":
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise ValidationFailed.field("(body)", "must be a JSON object")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        payload = request.form.to_dict()
    else:
        raise ValidationFailed.field("(body)", "send JSON or a form (urlencoded)")
    if not all(isinstance(v, str | int | float | type(None)) for v in payload.values()):
        raise ValidationFailed.field("(body)", "values must be text")
    forms.submit(
        db_session(),
        service_context().db,
        form_key,
        payload,
        origin=request.headers.get("Origin"),
        client=_client_address(),
        region=_region(),
    )
    return {"status": "received"}


@form_blp.after_request
def _cors(response: Response) -> Response:
    """Let the browser read the answer when the page's origin is one the source allows."""
    origin = request.headers.get("Origin")
    key = (request.view_args or {}).get("form_key")
    if not origin or not key:
        return response
    try:
        with service_context().db.reading() as session:
            source = forms.find_source(session, key)
            allowed = forms.origin_allowed(source, origin)
    except Exception:
        return response
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response


# ---------------------------------------------------------------- scoring


@scoring_blp.get("")
@scoring_blp.response(200, ScoringRuleListSchema)
def list_scoring_rules() -> dict[str, Any]:
    """Every scoring rule."""
    return {"items": admin.list_scoring_rules(db_session())}


@scoring_blp.post("")
@require_roles(*MANAGERS)
@scoring_blp.arguments(ScoringRuleInSchema)
@scoring_blp.response(201, ScoringRuleSchema)
def create_scoring_rule(data: dict[str, Any]) -> Any:
    """A new scoring rule; open leads are rescored."""
    return admin.create_scoring_rule(db_session(), data)


@scoring_blp.put("/<uuid:rule_id>")
@require_roles(*MANAGERS)
@scoring_blp.arguments(ScoringRuleInSchema)
@scoring_blp.response(200, ScoringRuleSchema)
def replace_scoring_rule(data: dict[str, Any], rule_id: uuid.UUID) -> Any:
    """Replace a scoring rule; open leads are rescored."""
    return admin.replace_scoring_rule(db_session(), rule_id, data)


@scoring_blp.delete("/<uuid:rule_id>")
@require_roles(*MANAGERS)
@scoring_blp.response(204)
def delete_scoring_rule(rule_id: uuid.UUID) -> None:
    """Remove a scoring rule; open leads are rescored."""
    admin.delete_scoring_rule(db_session(), rule_id)


@scoring_blp.get("/settings")
@scoring_blp.response(200, QualificationSettingsSchema)
def get_qualification() -> Any:
    """Automatic qualification and the model's weight."""
    from .processing import qualification_settings

    return qualification_settings(db_session())


@scoring_blp.put("/settings")
@require_roles(*MANAGERS)
@scoring_blp.arguments(QualificationSettingsSchema)
@scoring_blp.response(200, QualificationSettingsSchema)
def put_qualification(data: dict[str, Any]) -> Any:
    """Turn automatic qualification on or off, and set its threshold."""
    return admin.set_qualification(db_session(), data)


@scoring_blp.get("/model")
@scoring_blp.response(200, ModelSchema)
def get_model() -> Any:
    """Optional: the learned model and its held-out accuracy."""
    return admin.model_view(db_session())


@scoring_blp.post("/model/train")
@require_roles(*MANAGERS)
@scoring_blp.response(200, ModelSchema)
def train_model() -> Any:
    """Optional: learn from past qualified and disqualified leads."""
    return admin.train_model(db_session())


# ---------------------------------------------------------------- assignment


@assignment_blp.get("")
@assignment_blp.response(200, AssignmentRuleListSchema)
def list_assignment_rules() -> dict[str, Any]:
    """Routing rules in the order they are tried."""
    return {"items": admin.list_assignment_rules(db_session())}


@assignment_blp.post("")
@require_roles(*MANAGERS)
@assignment_blp.arguments(AssignmentRuleInSchema)
@assignment_blp.response(201, AssignmentRuleSchema)
def create_assignment_rule(data: dict[str, Any]) -> Any:
    """A routing rule: conditions, strategy, members, response time."""
    return admin.save_assignment_rule(db_session(), current_principal(), data)


@assignment_blp.put("/<uuid:rule_id>")
@require_roles(*MANAGERS)
@assignment_blp.arguments(AssignmentRuleInSchema)
@assignment_blp.response(200, AssignmentRuleSchema)
def replace_assignment_rule(data: dict[str, Any], rule_id: uuid.UUID) -> Any:
    """Replace a routing rule."""
    return admin.save_assignment_rule(db_session(), current_principal(), data, rule_id)


@assignment_blp.delete("/<uuid:rule_id>")
@require_roles(*MANAGERS)
@assignment_blp.response(204)
def delete_assignment_rule(rule_id: uuid.UUID) -> None:
    """Remove a routing rule."""
    admin.delete_assignment_rule(db_session(), rule_id)


@assignment_blp.get("/members")
@require_roles(*MANAGERS)
@assignment_blp.response(200, MemberListSchema)
def list_members() -> dict[str, Any]:
    """Members, their settings and open-lead load."""
    return {"items": admin.list_members(db_session(), current_principal())}


@assignment_blp.patch("/members/<uuid:user_id>")
@require_roles(*MANAGERS)
@assignment_blp.arguments(MemberUpdateSchema)
@assignment_blp.response(200, MemberSchema)
def update_member(data: dict[str, Any], user_id: uuid.UUID) -> Any:
    """Set a member's capacity, open-lead cap, or pause their intake."""
    return admin.update_member(db_session(), current_principal(), user_id, data)


BLUEPRINTS = [blp, campaigns, sources, form_blp, scoring_blp, assignment_blp]
