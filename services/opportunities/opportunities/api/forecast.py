"""The forecast, its backtest, adjustments, snapshots and changes: parse, call, respond."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.db import utcnow
from crm_shared.web import Blueprint, current_principal, db_session, idempotent, require_roles

from .. import backtesting, forecasting, snapshots
from ..models import ForecastAdjustment
from ..schemas.forecast import (
    AdjustmentInSchema,
    AdjustmentSchema,
    BacktestArgsSchema,
    BacktestSchema,
    ChangesArgsSchema,
    ChangesSchema,
    ForecastArgsSchema,
    ForecastSchema,
    SnapshotTakenSchema,
)

blp = Blueprint(
    "forecast", __name__, url_prefix="/api/v1/opportunities/forecast", description="Forecast"
)


@blp.get("")
@blp.arguments(ForecastArgsSchema, location="query")
@blp.response(200, ForecastSchema)
def get_forecast(args: dict[str, Any]) -> dict[str, Any]:
    """Closed won, the rep's call (with roll-ups), stage-weighted and calibrated, side by side."""
    return forecasting.forecast(db_session(), current_principal(), args)


@blp.get("/backtest")
@blp.arguments(BacktestArgsSchema, location="query")
@blp.response(200, BacktestSchema)
def get_backtest(args: dict[str, Any]) -> dict[str, Any]:
    """Each method's error over past periods, and its reliability table with Brier score."""
    return backtesting.backtest(db_session(), current_principal(), args)


@blp.post("/adjustments")
@idempotent
@blp.arguments(AdjustmentInSchema)
@blp.response(201, AdjustmentSchema)
def adjust_forecast(data: dict[str, Any]) -> ForecastAdjustment:
    """A manager's adjusted figure for a rep's period, with a note (kept beside the model)."""
    return forecasting.adjust(db_session(), current_principal(), data)


@blp.post("/snapshots")
@require_roles(MANAGER, ADMIN)
@blp.response(201, SnapshotTakenSchema)
def take_snapshot() -> dict[str, Any]:
    """Take a snapshot of every open deal now (the weekly job does it unasked)."""
    now = utcnow()
    snapshots.take(db_session(), now)
    return {"snapshot_taken_at": now}


@blp.get("/changes")
@blp.arguments(ChangesArgsSchema, location="query")
@blp.response(200, ChangesSchema)
def forecast_changes(args: dict[str, Any]) -> dict[str, Any]:
    """Deals that moved in or out of the period, slipped, or changed amount or stage."""
    return snapshots.since(db_session(), current_principal(), args)
