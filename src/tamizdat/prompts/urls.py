from django.urls import path

from . import views

app_name = "prompts"
urlpatterns = [
    path("events/", views.event, name="events"),
    path("goal.json", views.goal_figure, name="goal"),
]
