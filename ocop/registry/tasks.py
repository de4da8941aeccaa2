"""Background tasks of the registry (django-tasks; the database worker runs them: `manage.py db_worker`).

Each task takes only the job's id, so the queued arguments stay plain JSON; the work itself is in
ocop.registry.importer, where the benchmark and the tests call it too.
"""

from django_tasks import task

from . import importer


@task()
def check_import(job_id: int) -> None:
    """The dry run of an import: check every row and record the errors or the plan."""
    importer.run_check(job_id)


@task()
def write_import(job_id: int) -> None:
    """Write a checked import, all or nothing."""
    importer.run_write(job_id)
