"""URLs of the clean app: books are addressed by slug, never by primary key."""

from __future__ import annotations

from django.urls import path

from clean import views

app_name = "clean"

urlpatterns = [
    path("", views.book_list, name="book_list"),
    path("authors/", views.AuthorList.as_view(), name="author_list"),
    path("<slug:slug>/", views.BookDetailView.as_view(), name="book_detail"),
    path("by/<str:name>/", views.author_books, name="author_books"),
]
