from django.urls import path

from . import views

app_name = "mirror"
urlpatterns = [path("", views.reach_page, name="reach")]
