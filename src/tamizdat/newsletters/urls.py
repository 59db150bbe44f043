from django.urls import path

from . import views

app_name = "newsletters"
urlpatterns = [
    path("", views.newsletters_page, name="page"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.archive, name="archive"),
    path("<slug:slug>/<int:issue_id>/", views.issue, name="issue"),
]
