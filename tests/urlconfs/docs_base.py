"""Documentation routes, imported by the docs URLconf as a list."""

from __future__ import annotations

from django.urls import path

from tests.urlconfs import views

urlpatterns = [
    path("<lang>/", views.guide),  # W301 of /<lang>/ (docs)
    path("<lang>/<int:pk>/", views.topic, name="topic"),  # W303 of /<lang>/<int:pk>/ (docs)
]
