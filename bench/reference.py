"""The bare reference: minimal Flask + SQLAlchemy inserting the same lead row.

No auth, no validation, no outbox, no tracing: the floor our capture
endpoint is compared with, served by the same gunicorn settings on the same
PostgreSQL (a database migrated with the leads schema, so the row, its
indexes and constraints are the same).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import create_engine

from leads.models import Lead

LEADS = Lead.__table__


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(
        os.environ["BENCH_REFERENCE_DATABASE_URL"], pool_size=10, max_overflow=10
    )

    @app.post("/api/v1/leads")
    def create_lead():
        data = request.get_json()
        now = datetime.now(UTC)
        row = {
            "id": uuid.uuid4(),
            "name": data["name"],
            "email": (data.get("email") or "").lower() or None,
            "phone": data.get("phone"),
            "company": data.get("company"),
            "source": data.get("source"),
            "status": "new",
            "score": 0,
            "score_reasons": [],
            "touches": 1,
            "needs_processing": True,
            "auto_assign": False,
            "created_at": now,
            "updated_at": now,
        }
        with engine.begin() as conn:
            conn.execute(LEADS.insert().values(**row))
        return jsonify({**data, "id": str(row["id"]), "status": "new"}), 201

    return app
