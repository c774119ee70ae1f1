from django.urls import path

from . import views

app_name = "tagging"
urlpatterns = [
    path("", views.virtualtag_list, name="virtualtag_list"),
    path("new/", views.virtualtag_create, name="virtualtag_create"),
    path("<int:pk>/", views.virtualtag_edit, name="virtualtag_edit"),
    path("<int:pk>/delete/", views.virtualtag_delete, name="virtualtag_delete"),
    path("<int:pk>/values/new/", views.value_create, name="value_create"),
    path("<int:pk>/values/match-count/", views.value_match_count, name="value_match_count"),
    path("<int:pk>/values/<int:value_pk>/", views.value_edit, name="value_edit"),
    path("<int:pk>/values/<int:value_pk>/move/", views.value_move, name="value_move"),
    path("<int:pk>/values/<int:value_pk>/delete/", views.value_delete, name="value_delete"),
]
