from __future__ import annotations

from django.urls import path

from .views import customer_twice

urlpatterns = [path("twice/", customer_twice)]
