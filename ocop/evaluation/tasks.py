"""Background tasks of the evaluation process (django-tasks; the database worker runs them:
`manage.py db_worker`). Each task takes plain ids, so the queued arguments stay JSON."""

from django_tasks import task

from . import notifications


@task()
def notify_dossier(dossier_id: int, action: str) -> int:
    """E-mail the people concerned by one committed step of a dossier."""
    return notifications.send_dossier_mail(dossier_id, action)
