"""Replaces the table.profile job kind with one that fails (STUDIO_JOB_MODULES), to show the
page's failed-profile path."""

from studio.jobs import JobKind
from studio.tables._jobs import ProfileParams
from tests.helpers.job_kinds import failing_job

JOB_KINDS = (JobKind("table.profile", ProfileParams, failing_job),)
