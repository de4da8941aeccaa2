from django.urls import path

from . import views

app_name = "criteria"
urlpatterns = [
    path("", views.set_list, name="set_list"),
    path("<slug:set_id>/", views.set_detail, name="set_detail"),
    path("<slug:set_id>/sheets/<int:number>/", views.sheet_detail, name="sheet_detail"),
]
