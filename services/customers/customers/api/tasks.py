"""Routes of tasks."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
)

from .. import tasks
from ..schemas.tasks import (
    TaskInSchema,
    TaskListArgsSchema,
    TaskPageSchema,
    TaskPatchSchema,
    TaskSchema,
)
from .common import page

tasks_blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Tasks")


@tasks_blp.post("")
@idempotent
@tasks_blp.arguments(TaskInSchema)
@tasks_blp.response(201, TaskSchema)
def create_task(data: dict[str, Any]) -> Any:
    """A task or planned follow-up with priority, due time and reminder."""
    return tasks.create_task(db_session(), current_principal(), data)


@tasks_blp.get("")
@tasks_blp.arguments(TaskListArgsSchema, location="query", as_kwargs=True)
@tasks_blp.response(200, TaskPageSchema)
def list_tasks(**args: Any) -> Any:
    """Tasks the caller may see, soonest due first."""
    return page(*tasks.list_tasks(db_session(), current_principal(), args))


@tasks_blp.get("/<uuid:task_id>")
@tasks_blp.response(200, TaskSchema)
def get_task(task_id: uuid.UUID) -> Any:
    """One task."""
    return tasks.get_task(db_session(), current_principal(), task_id)


@tasks_blp.patch("/<uuid:task_id>")
@tasks_blp.arguments(TaskPatchSchema)
@tasks_blp.response(200, TaskSchema)
def update_task(data: dict[str, Any], task_id: uuid.UUID) -> Any:
    """Change a task (moving it keeps its reminder's lead time and re-arms it)."""
    return tasks.update_task(db_session(), current_principal(), task_id, data)


@tasks_blp.delete("/<uuid:task_id>")
@tasks_blp.response(204)
def delete_task(task_id: uuid.UUID) -> Any:
    """Remove a task."""
    tasks.delete_task(db_session(), current_principal(), task_id)
    return ""


@tasks_blp.post("/<uuid:task_id>/complete")
@tasks_blp.response(200, TaskSchema)
def complete_task(task_id: uuid.UUID) -> Any:
    """Mark a task done."""
    return tasks.complete_task(db_session(), current_principal(), task_id, True)


@tasks_blp.post("/<uuid:task_id>/reopen")
@tasks_blp.response(200, TaskSchema)
def reopen_task(task_id: uuid.UUID) -> Any:
    """Open a done task again."""
    return tasks.complete_task(db_session(), current_principal(), task_id, False)
