"""E-mail about a dossier's steps, sent by the background worker after the step commits."""


def dossier_changed(dossier_id: int, action: str) -> None:
    """Called after every committed transition."""
