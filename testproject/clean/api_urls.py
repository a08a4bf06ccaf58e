"""The clean app's API (Django REST framework)."""

from __future__ import annotations

from django.urls import path

from clean import api

app_name = "clean_api"

urlpatterns = [
    path("", api.BookList.as_view(), name="book_list"),
    path("by/<str:name>/", api.AuthorBookList.as_view(), name="author_books"),
]
