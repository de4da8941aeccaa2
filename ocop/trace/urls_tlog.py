from django.urls import path

from . import views_tlog

urlpatterns: list = [
    path("transparency/checkpoint", views_tlog.checkpoint, name="tlog_checkpoint"),
    path("transparency/key", views_tlog.key, name="tlog_key"),
    path("transparency/proof", views_tlog.proof, name="tlog_proof"),
    path("transparency/consistency", views_tlog.consistency, name="tlog_consistency"),
]
