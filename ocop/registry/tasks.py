"""Background tasks of the registry (django-tasks; the database worker runs them: `manage.py db_worker`).

Each task takes only the job's id, so the queued arguments stay plain JSON; the work itself is in
ocop.registry.imports.jobs, where the benchmark and the tests call it too.
"""

from django_tasks import task

from .imports import jobs


@task()
def check_import(job_id: int) -> None:
    """The dry run of an import: check every row and record the errors or the plan."""
    jobs.run_check(job_id)


@task()
def write_import(job_id: int) -> None:
    """Write a checked import, all or nothing."""
    jobs.run_write(job_id)
