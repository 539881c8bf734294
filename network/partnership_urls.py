from django.urls import path

from network import partnership_views as views

urlpatterns = [
    path("partnerships/", views.partnership_list, name="partnership_list"),
    path("partnerships/new/", views.partnership_edit, name="partnership_create"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="partnership_detail"),
    path("partnerships/<int:pk>/edit/", views.partnership_edit, name="partnership_edit"),
    path("partners/", views.partner_account_list, name="partner_account_list"),
    path("partners/invite/", views.partner_invite, name="partner_invite"),
    path("partners/<int:pk>/suspend/", views.partner_account_suspend, name="partner_account_suspend"),
    path(
        "partners/<int:pk>/reactivate/", views.partner_account_reactivate, name="partner_account_reactivate"
    ),
    path(
        "partners/invitations/<int:pk>/revoke/",
        views.partner_invitation_revoke,
        name="partner_invitation_revoke",
    ),
    path("partners/accept/<str:token>/", views.partner_invitation_accept, name="partner_invitation_accept"),
]
