"""One factory for a service's import routes: upload a CSV as a job, then poll it.

Every service that takes records in bulk offers the same two routes, so they
are made here once: ``POST <prefix>`` (the upload, under the service's own
body limit, answered 202 with the job) and ``GET <prefix>/<id>`` (the job,
seen only by its uploader or an admin). The service supplies what differs:
its :class:`~crm_shared.imports.ImportSpec`, the form options it accepts and
how to check them, and its words for the OpenAPI document.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .jobs import create_job, get_job
from .spec import ImportSpec
from .upload import ImportJobSchema, read_upload, upload_mapping

# Checks the form fields a service accepts and returns the job options they ask for.
OptionsParser = Callable[[dict[str, str]], dict[str, Any]]


@dataclass(frozen=True)
class UploadRoutes:
    """What a service's import routes need to know beyond the mechanism.

    ``options`` documents the form fields the service accepts besides
    ``file`` and ``mapping`` (name -> JSON Schema) and ``parse_options``
    turns them into the job's options (raising field errors); ``field_label``
    names a target field in the mapping's description ("lead field").
    ``max_bytes`` and ``max_rows`` name values in the service's
    ``settings.extra``; ``roles``, when given, are the roles allowed to upload.
    """

    spec: ImportSpec
    args_schema: type[Any]
    field_label: str
    create_doc: str
    get_doc: str
    options: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    parse_options: OptionsParser | None = None
    roles: tuple[str, ...] = ()
    max_bytes: str = "max_import_bytes"
    max_rows: str = "max_import_rows"
    path: str = "/imports"

    def request_body(self) -> dict[str, Any]:
        """The OpenAPI request body of the upload: a multipart form or a raw CSV."""
        properties: dict[str, Any] = {
            "file": {"type": "string", "format": "binary"},
            "mapping": {
                "type": "string",
                "description": f'JSON object {{"CSV column": "{self.field_label}"}}',
            },
            **self.options,
        }
        return {
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": properties,
                        }
                    },
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        }


def add_upload_routes(blp: Any, routes: UploadRoutes) -> None:
    """Register the upload and the progress route of ``routes`` on the blueprint ``blp``."""
    from ..web import (
        body_limit,
        current_principal,
        db_session,
        require_roles,
        service_context,
    )

    def create_import(**_args: Any) -> Any:
        principal = current_principal()
        filename, data, form = read_upload("file")
        mapping = upload_mapping(form, options=tuple(routes.options))
        options = routes.parse_options(form) if routes.parse_options else {}
        if principal.team_id:
            options["team_id"] = str(principal.team_id)
        return create_job(
            db_session(),
            routes.spec,
            data=data,
            filename=filename,
            created_by=principal.id,
            mapping=mapping,
            options=options,
            max_rows=service_context().settings.extra[routes.max_rows],
        )

    def get_import(import_id: uuid.UUID) -> Any:
        return get_job(db_session(), routes.spec.kind, import_id, viewer=current_principal())

    # flask-smorest documents a view by its docstring: the service's words.
    create_import.__doc__ = routes.create_doc
    get_import.__doc__ = routes.get_doc
    view: Any = create_import
    view = blp.response(202, ImportJobSchema)(view)
    view = blp.doc(**routes.request_body())(view)
    view = blp.arguments(routes.args_schema, location="query", as_kwargs=True)(view)
    view = body_limit(routes.max_bytes)(view)
    if routes.roles:
        view = require_roles(*routes.roles)(view)
    blp.post(routes.path)(view)
    blp.get(f"{routes.path}/<uuid:import_id>")(blp.response(200, ImportJobSchema)(get_import))
