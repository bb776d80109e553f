"""CSV imports as resumable jobs, for any service that takes records in bulk.

The mechanism does everything but the business: the service supplies an
:class:`ImportSpec` (the fields a column may map to, header presets such as
a Salesforce or HubSpot export) and an :class:`ImportProcessor` that maps,
validates, deduplicates and inserts a chunk of rows. This module

- decodes the upload (UTF-8 with or without BOM, UTF-16 with BOM, GB18030)
  and refuses undecodable input with the reason *before* any job exists;
- finds the header and its column mapping from the presets, or takes a
  custom mapping, and refuses a file with no recognisable header;
- keeps the upload with :func:`crm_shared.files.save` in the same
  transaction as the job row (platform table ``import_jobs``);
- processes the job in a worker, chunk by chunk: each chunk's rows *and* the
  job's progress commit in one transaction, so a worker that crashes
  mid-way leaves the job at the last committed chunk and its successor
  resumes there without duplicating a row;
- holds a lease on a running job, so a crashed worker's job is taken over
  once the lease expires;
- reports ``total``, ``processed``, ``imported``, ``duplicates``,
  ``failed`` and per-row errors with line number and reason (the first

The package's modules, by what they hold: :mod:`.spec` (what a service
supplies), :mod:`.reading` (decoding and headers), :mod:`.jobs` (job rows),
:mod:`.running` (the chunked worker side), :mod:`.upload` (the HTTP side)
and :mod:`.routes` (the upload routes' factory).
"""

from __future__ import annotations

from .jobs import create_job, get_job, in_progress
from .reading import decode, detect_mapping, normalise_header
from .routes import UploadRoutes, add_upload_routes
from .running import process_job, run_pending
from .spec import (
    MAX_ERRORS,
    STATUSES,
    ImportCrash,
    ImportProcessor,
    ImportRow,
    ImportSpec,
    JobInfo,
    RowOutcome,
)
from .upload import ImportErrorSchema, ImportJobSchema, read_upload, upload_mapping

__all__ = [
    "MAX_ERRORS",
    "STATUSES",
    "ImportCrash",
    "ImportErrorSchema",
    "ImportJobSchema",
    "ImportProcessor",
    "ImportRow",
    "ImportSpec",
    "JobInfo",
    "RowOutcome",
    "UploadRoutes",
    "add_upload_routes",
    "create_job",
    "decode",
    "detect_mapping",
    "get_job",
    "in_progress",
    "normalise_header",
    "process_job",
    "read_upload",
    "run_pending",
    "upload_mapping",
]
