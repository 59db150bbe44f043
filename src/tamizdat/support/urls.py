from django.urls import path

from . import manage, views

app_name = "support"
urlpatterns = [
    path("", views.support_page, name="page"),
    path("contribute/", views.contribute, name="contribute"),
    path("challenge/", views.challenge, name="challenge"),
    path("thanks/<str:reference>/", views.thanks, name="thanks"),
    path("canceled/<str:reference>/", views.canceled, name="canceled"),
    path("transfer/<str:reference>/", views.transfer, name="transfer"),
    path("check-email/<str:reference>/", views.check_email, name="check_email"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/", manage.request_link, name="manage_request"),
    path("manage/<str:token>/", manage.overview, name="manage"),
    path("manage/<str:token>/plans/<int:plan_id>/change/", manage.change, name="manage_change"),
    path("manage/<str:token>/plans/<int:plan_id>/card/", manage.card, name="manage_card"),
    path("manage/<str:token>/plans/<int:plan_id>/cancel/", manage.cancel, name="manage_cancel"),
    path("manage/<str:token>/receipts/<int:payment_id>/", manage.receipt, name="manage_receipt"),
    path(
        "manage/<str:token>/receipts/<int:payment_id>/pdf/",
        manage.receipt,
        {"as_pdf": True},
        name="manage_receipt_pdf",
    ),
]
