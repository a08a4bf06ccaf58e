from __future__ import annotations

import ast
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import override_settings

from django_guardrails.checks.framework import baseline, ids
from django_guardrails.checks.framework.engine import guarded
from django_guardrails.checks.framework.messages import GuardrailsMessage, SourceLocation
from django_guardrails.checks.views.crud import check_hand_written_crud
from django_guardrails.source.index import SOURCE

MakeApp = Callable[[str], Path]

MODELS = """\
from django.conf import settings
from django.db import models
from django.urls import reverse


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    isbn = models.CharField(max_length=13, unique=True)
    author = models.ForeignKey(Author, models.CASCADE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True)
    published = models.BooleanField(default=False)

    DEFAULT_AUTHOR = "Anonymous"

    def get_absolute_url(self):
        return reverse("book", args=[self.pk])


class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Note(models.Model):
    text = models.TextField()

    drafts = models.Manager()  # the default manager is not "objects"
    objects = models.Manager()
"""

FORMS = """\
from django import forms

from .models import Author, Book


class BookForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title", "slug", "isbn", "author"]


class AuthorForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["name"]


class ContactForm(forms.Form):
    email = forms.EmailField()

    def save(self):
        return None
"""

HEADER = """\
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import models
from .forms import AuthorForm, BookForm, ContactForm
from .models import Book, Note

"""


@pytest.fixture
def shelf(make_app: MakeApp) -> Path:
    package = make_app(MODELS).parent
    (package / "forms.py").write_text(FORMS)
    return package


def _urls(views: str) -> str:
    """A route for every public function of ``views``, its arguments as path segments."""
    routes = []
    for node in ast.parse(views).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name[0] != "_":
            segments = "".join(f"<str:{a.arg}>/" for a in node.args.args[1:])
            routes.append(f'    path("{node.name}/{segments}", views.{node.name}),')
    return "from django.urls import path\n\nfrom . import views\n\nurlpatterns = [\n{}\n]\n".format(
        "\n".join(routes)
    )


def run(package: Path, views: str) -> list[GuardrailsMessage]:
    source = HEADER + textwrap.dedent(views)
    (package / "views.py").write_text(source)
    (package / "urls.py").write_text(_urls(source))
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = guarded(check_hand_written_crud)()
    assert all(isinstance(m, GuardrailsMessage) for m in found)
    return [m for m in found if isinstance(m, GuardrailsMessage)]


def marked(package: Path) -> list[int]:
    lines = (package / "views.py").read_text().splitlines()
    return [n for n, line in enumerate(lines, 1) if "# fires" in line]


def by_name(found: list[GuardrailsMessage]) -> dict[str, GuardrailsMessage]:
    return {str(m.obj.name).removesuffix("()"): m for m in found if m.obj is not None}


DETAIL_FIRES = """\
def book(request, pk):  # fires
    book = get_object_or_404(Book, pk=pk)
    return render(request, "shelf/book.html", {"book": book})


@login_required
def book_by_slug(request, slug):  # fires
    \"\"\"A book, with its author in the same query.\"\"\"
    return render(
        request,
        "shelf/book.html",
        context={"item": get_object_or_404(Book.objects.select_related("author"), slug=slug)},
    )


def book_by_isbn(request, isbn):  # fires
    context = {"object": get_object_or_404(models.Book, isbn=isbn)}
    return render(request, "shelf/book.html", context)


def published_book(request, slug):  # fires
    book = get_object_or_404(Book, slug=slug, published=True, author__name=Book.DEFAULT_AUTHOR)
    return render(request, "shelf/book.html", {"book": book})
"""

DETAIL_SILENT = """\
def book_with_copies(request, pk):
    book = get_object_or_404(Book, pk=pk)
    return render(request, "shelf/book.html", {"book": book, "copies": book.title.split()})


def book_for_staff(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if not request.user.is_staff:
        return redirect("login")
    return render(request, "shelf/book.html", {"book": book})


def book_json(request, pk):
    book = get_object_or_404(Book, pk=pk)
    return JsonResponse({"title": book.title})


def book_by_isbn_in_pk(request, pk):
    book = get_object_or_404(Book, isbn=pk)  # DetailView would filter on the pk first
    return render(request, "shelf/book.html", {"book": book})


def book_of_staff(request, pk):
    book = get_object_or_404(Book, pk=pk, owner=request.user.manager)
    return render(request, "shelf/book.html", {"book": book})


def book_of_author(request, pk, author):
    book = get_object_or_404(Book, pk=pk, author__name=author)
    return render(request, "shelf/book.html", {"book": book})


def book_template_chosen(request, pk):
    book = get_object_or_404(Book, pk=pk)
    return render(request, f"shelf/{book.slug}.html", {"book": book})


def book_abstract(request, pk):
    stamped = get_object_or_404(models.Stamped, pk=pk)
    return render(request, "shelf/book.html", {"stamped": stamped})


def book_not_a_model(request, pk):
    book = get_object_or_404(_ROWS, pk=pk)
    return render(request, "shelf/book.html", {"book": book})


async def book_async(request, pk):
    book = get_object_or_404(Book, pk=pk)
    return render(request, "shelf/book.html", {"book": book})


def _book_not_routed(request, pk):  # no route reaches it
    book = get_object_or_404(Book, pk=pk)
    return render(request, "shelf/book.html", {"book": book})


_ROWS = Book.objects.all()
"""


def test_detail_shapes_fire_with_their_attributes(shelf: Path) -> None:
    found = run(shelf, DETAIL_FIRES + DETAIL_SILENT)
    assert [m.line for m in found] == marked(shelf)
    path = str(shelf / "views.py")
    line = marked(shelf)[0]
    assert found[0] == ids.I311.message(
        "book() looks one Book up by pk and renders it: that is a DetailView, written out by hand.",
        hint="Replace it with class BookDetailView(DetailView): model = Book; template_name = "
        '"shelf/book.html".',
        obj=SourceLocation(path, line, "book()"),
    )
    assert (found[0].file, found[0].line) == (path, line)
    hints = {name: m.hint for name, m in by_name(found).items()}
    assert hints["book_by_slug"] == (
        "Replace it with class BookDetailView(LoginRequiredMixin, DetailView): "
        "queryset = Book.objects.select_related('author'); template_name = \"shelf/book.html\"; "
        'context_object_name = "item".'
    )
    assert hints["book_by_isbn"] == (
        "Replace it with class BookDetailView(DetailView): model = models.Book; "
        'template_name = "shelf/book.html"; slug_field = "isbn"; slug_url_kwarg = "isbn".'
    )
    assert hints["published_book"] == (
        "Replace it with class BookDetailView(DetailView): queryset = Book.objects.filter("
        'published=True, author__name=Book.DEFAULT_AUTHOR); template_name = "shelf/book.html".'
    )


def test_detail_silent_beyond_the_pattern(shelf: Path) -> None:
    assert run(shelf, DETAIL_SILENT) == []


LIST_FIRES = """\
def books(request):  # fires
    books = Book.objects.order_by("title")
    paginator = Paginator(books, 25)
    page_number = request.GET.get("page")
    page_obj = paginator.get_page(page_number)
    return render(request, "shelf/book_list.html", {"page_obj": page_obj})


@require_http_methods(["GET"])
def published(request):  # fires
    paginator = Paginator(Book.objects.filter(published=True), per_page=10)
    page = request.GET.get("p")
    try:
        books = paginator.page(page)
    except PageNotAnInteger:
        books = paginator.page(1)
    except EmptyPage:
        books = paginator.page(paginator.num_pages)
    return render(request, "shelf/published.html", {"books": books, "paginator": paginator})


def notes(request):  # fires
    paginator = Paginator(Note.objects.all(), 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "notes": page_obj.object_list}
    return render(request, "shelf/notes.html", context)
"""

LIST_SILENT = """\
def search(request):
    books = Book.objects.filter(title__icontains=request.GET.get("q", ""))
    paginator = Paginator(books, 25)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "shelf/book_list.html", {"page_obj": page_obj})


def mine(request):
    paginator = Paginator(Book.objects.filter(owner=request.user), 25)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "shelf/book_list.html", {"page_obj": page_obj})


def unpaginated(request):
    return render(request, "shelf/book_list.html", {"books": Book.objects.all()})


def with_counts(request):
    paginator = Paginator(Book.objects.all(), 25)
    page_obj = paginator.get_page(request.GET.get("page"))
    total = Book.objects.filter(published=True).count()
    return render(request, "shelf/book_list.html", {"page_obj": page_obj, "total": total})


def page_size_chosen(request):
    paginator = Paginator(Book.objects.all(), int(request.GET.get("size", 25)))
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "shelf/book_list.html", {"page_obj": page_obj})


def partial(request):
    paginator = Paginator(Book.objects.all(), 25)
    page_obj = paginator.get_page(request.GET.get("page"))
    if request.headers.get("HX-Request"):
        return render(request, "shelf/_rows.html", {"page_obj": page_obj})
    return render(request, "shelf/book_list.html", {"page_obj": page_obj})
"""


# A hand-written list shows the nearest page for a page number out of range; ListView 404s.
NEAREST_PAGE = (
    " To keep showing the nearest page for a page number out of range (ListView answers 404), "
    "give it def paginate_queryset(self, queryset, page_size): "
    "paginator = self.get_paginator(queryset, page_size); "
    "page = paginator.get_page(self.request.GET.get(self.page_kwarg)); "
    "return paginator, page, page.object_list, page.has_other_pages()."
)


def test_list_shapes_fire_with_their_attributes(shelf: Path) -> None:
    found = run(shelf, LIST_FIRES + LIST_SILENT)
    assert [m.line for m in found] == marked(shelf)
    messages = by_name(found)
    assert messages["books"].msg == (
        "books() paginates Book rows by 25 and renders a page: that is a ListView, written out "
        "by hand."
    )
    assert messages["books"].hint == (
        'Replace it with class BookListView(ListView): model = Book; ordering = ["title"]; '
        'paginate_by = 25; template_name = "shelf/book_list.html".' + NEAREST_PAGE
    )
    assert messages["published"].hint == (
        "Replace it with class BookListView(ListView): "
        "queryset = Book.objects.filter(published=True); paginate_by = 10; "
        'page_kwarg = "p"; template_name = "shelf/published.html".' + NEAREST_PAGE + " "
        'Its template then reads the page as "page_obj", not "books".'
    )
    # Note's default manager is not "objects": model = Note would list another queryset.
    assert messages["notes"].hint == (
        "Replace it with class NoteListView(ListView): queryset = Note.objects.all(); "
        'paginate_by = 50; template_name = "shelf/notes.html"; context_object_name = "notes".'
        + NEAREST_PAGE
    )


def test_list_silent_beyond_the_pattern(shelf: Path) -> None:
    assert run(shelf, LIST_SILENT) == []


FORM_FIRES = """\
def add_book(request):  # fires
    if request.method == "POST":
        form = BookForm(request.POST)
        if form.is_valid():
            form.save()
            return redirect("books")
    else:
        form = BookForm()
    return render(request, "shelf/book_form.html", {"form": form})


@login_required
def add_author(request):  # fires
    form = AuthorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        author = form.save()
        messages.success(request, _("Author added."))
        return HttpResponseRedirect(reverse("authors"))
    return render(request, "shelf/author_form.html", {"form": form})


def edit_book(request, pk):  # fires
    book = get_object_or_404(Book, pk=pk)
    if request.method == "GET":
        f = BookForm(instance=book)
    else:
        f = BookForm(data=request.POST, files=request.FILES, instance=book)
        if f.is_valid():
            book = f.save()
            return redirect(book)
    return render(request, "shelf/edit.html", {"form": f, "book": book})


@never_cache
def rename_book(request, book_id):  # fires
    book = get_object_or_404(Book, pk=book_id, owner=request.user)
    form = BookForm(request.POST or None, instance=book)
    if form.is_valid():
        form.save()
        messages.add_message(request, messages.SUCCESS, "Renamed.")
        return redirect("/books/")
    return render(request, "shelf/edit.html", {"form": form})
"""

FORM_SILENT = """\
def add_book_for_owner(request):
    if request.method == "POST":
        form = BookForm(request.POST)
        if form.is_valid():
            book = form.save(commit=False)
            book.owner = request.user
            book.save()
            return redirect("books")
    else:
        form = BookForm()
    return render(request, "shelf/book_form.html", {"form": form})


def contact(request):
    form = ContactForm(request.POST or None)
    if form.is_valid():
        form.save()
        return redirect("books")
    return render(request, "shelf/contact.html", {"form": form})


def add_book_and_mail(request):
    form = BookForm(request.POST or None)
    if form.is_valid():
        book = form.save()
        book.author.name.strip()
        return redirect(book)
    return render(request, "shelf/book_form.html", {"form": form})


def add_book_with_initial(request):
    if request.method == "POST":
        form = BookForm(request.POST)
        if form.is_valid():
            form.save()
            return redirect("books")
    else:
        form = BookForm(initial={"title": request.GET.get("title")})
    return render(request, "shelf/book_form.html", {"form": form})


def add_book_then_detail(request):
    form = BookForm(request.POST or None)
    if form.is_valid():
        book = form.save()
        return redirect("book", pk=book.pk)
    return render(request, "shelf/book_form.html", {"form": form})


def add_book_and_author(request):
    form = BookForm(request.POST or None)
    author_form = AuthorForm(request.POST or None)
    if form.is_valid():
        form.save()
        return redirect("books")
    return render(request, "shelf/book_form.html", {"form": form, "author_form": author_form})


def edit_book_with_author_form(request, pk):
    book = get_object_or_404(Book, pk=pk)
    form = AuthorForm(request.POST or None, instance=book)
    if form.is_valid():
        form.save()
        return redirect("books")
    return render(request, "shelf/edit.html", {"form": form})


def edit_book_unbound_without_instance(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if request.method == "POST":
        form = BookForm(request.POST, instance=book)
        if form.is_valid():
            form.save()
            return redirect("books")
    else:
        form = BookForm()
    return render(request, "shelf/edit.html", {"form": form})


def edit_book_next(request, pk):
    book = get_object_or_404(Book, pk=pk)
    form = BookForm(request.POST or None, instance=book)
    if form.is_valid():
        form.save()
        return redirect(request.GET.get("next", "books"))
    return render(request, "shelf/edit.html", {"form": form})


def edit_book_partial(request, pk):
    book = get_object_or_404(Book, pk=pk)
    form = BookForm(request.POST or None, instance=book)
    if form.is_valid():
        form.save()
        return redirect("books")
    return render(request, "shelf/edit.html", {"form": form}, status=422)
"""


def test_form_shapes_fire_with_their_attributes(shelf: Path) -> None:
    found = run(shelf, FORM_FIRES + FORM_SILENT)
    assert [m.line for m in found] == marked(shelf)
    messages = by_name(found)
    assert messages["add_book"].msg == (
        "add_book() binds BookForm on POST, saves it, redirects, and renders it unbound on GET: "
        "that is a CreateView, written out by hand."
    )
    assert messages["add_book"].hint == (
        "Replace it with class BookCreateView(CreateView): form_class = BookForm; "
        'template_name = "shelf/book_form.html"; success_url = reverse_lazy("books").'
    )
    assert messages["add_author"].hint == (
        "Replace it with class AuthorCreateView(LoginRequiredMixin, SuccessMessageMixin, "
        'CreateView): form_class = AuthorForm; template_name = "shelf/author_form.html"; '
        'success_url = reverse_lazy("authors"); success_message = "Author added.".'
    )
    assert messages["edit_book"].msg == (
        "edit_book() binds BookForm to one Book on POST, saves it and redirects, else renders "
        "it: that is an UpdateView, written out by hand."
    )
    assert messages["edit_book"].hint == (
        "Replace it with class BookUpdateView(UpdateView): model = Book; form_class = BookForm; "
        'template_name = "shelf/edit.html".'
    )
    assert messages["rename_book"].hint == (
        "Replace it with class BookUpdateView(SuccessMessageMixin, UpdateView): model = Book; "
        'form_class = BookForm; template_name = "shelf/edit.html"; pk_url_kwarg = "book_id"; '
        'success_url = "/books/"; success_message = "Renamed.". Its get_queryset() returns '
        "Book.objects.filter(owner=self.request.user). Decorate it with "
        '@method_decorator(never_cache, name="dispatch").'
    )


def test_form_silent_beyond_the_pattern(shelf: Path) -> None:
    assert run(shelf, FORM_SILENT) == []


DELETE_FIRES = """\
@login_required
def delete_book(request, pk):  # fires
    book = get_object_or_404(Book, pk=pk, owner=request.user)
    if request.method == "POST":
        book.delete()
        return redirect("books")
    else:
        return render(request, "shelf/book_confirm_delete.html", {"book": book})


@permission_required("shelf.delete_note")
def delete_note(request, note_id):  # fires
    note = Note.objects.get(pk=note_id)
    if request.method != "POST":
        return render(request, "shelf/confirm.html", {"note": note})
    note.delete()
    messages.success(request, "Note deleted.")
    return HttpResponseRedirect("/notes/")


def _audited(view, strict=False):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
def delete_author(request, pk):  # fires
    author = get_object_or_404(models.Author, pk=pk)
    if request.method == "POST":
        author.delete()
        return redirect("authors")
    return render(request, "shelf/confirm.html", {"author": author})


delete_author = login_required(delete_author)
delete_author = _audited(delete_author)
"""

DELETE_SILENT = """\
def _audit(view, strict=False):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


def delete_book_audited(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if request.method == "POST":
        book.delete()
        return redirect("books")
    return render(request, "shelf/confirm.html", {"book": book})


delete_book_audited = _audit(delete_book_audited, strict=True)  # unknown: what it adds


def delete_book_without_confirmation(request, pk):
    book = get_object_or_404(Book, pk=pk)
    book.delete()
    return redirect("books")


def delete_book_and_log(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if request.method == "POST":
        book.author.save()
        book.delete()
        return redirect("books")
    return render(request, "shelf/confirm.html", {"book": book})


def delete_book_back_to_author(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if request.method == "POST":
        book.delete()
        return redirect("author", pk=book.author_id)
    return render(request, "shelf/confirm.html", {"book": book})


def delete_book_to_itself(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if request.method == "POST":
        book.delete()
        return redirect(book)
    return render(request, "shelf/confirm.html", {"book": book})


def delete_book_named_message(request, pk):
    book = get_object_or_404(Book, pk=pk)
    if request.method == "POST":
        book.delete()
        messages.success(request, f"{book.title} deleted.")
        return redirect("books")
    return render(request, "shelf/confirm.html", {"book": book})


def delete_book_of_staff(request, pk):
    book = get_object_or_404(Book, pk=pk, owner=request.user.manager)
    if request.method == "POST":
        book.delete()
        return redirect("books")
    return render(request, "shelf/confirm.html", {"book": book})
"""


def test_delete_shapes_fire_with_their_attributes(shelf: Path) -> None:
    found = run(shelf, DELETE_FIRES + DELETE_SILENT)
    assert [m.line for m in found] == marked(shelf)
    messages = by_name(found)
    assert messages["delete_book"].msg == (
        "delete_book() deletes one Book on POST and redirects, and renders a confirmation on "
        "GET: that is a DeleteView, written out by hand."
    )
    assert messages["delete_book"].hint == (
        "Replace it with class BookDeleteView(LoginRequiredMixin, DeleteView): model = Book; "
        'template_name = "shelf/book_confirm_delete.html"; success_url = reverse_lazy("books"). '
        "Its get_queryset() returns Book.objects.filter(owner=self.request.user)."
    )
    assert messages["delete_note"].hint == (
        "Replace it with class NoteDeleteView(SuccessMessageMixin, DeleteView): "
        'queryset = Note.objects.all(); template_name = "shelf/confirm.html"; '
        'pk_url_kwarg = "note_id"; success_url = "/notes/"; success_message = "Note deleted.". '
        "Decorate it with @method_decorator(permission_required('shelf.delete_note'), "
        'name="dispatch").'
    )
    # Rebound below the function: the last rebinding is the outermost wrapper.
    assert messages["delete_author"].hint == (
        "Replace it with class AuthorDeleteView(DeleteView): model = models.Author; "
        'template_name = "shelf/confirm.html"; success_url = reverse_lazy("authors"). '
        "Decorate it with @method_decorator([_audited, login_required, never_cache], "
        'name="dispatch").'
    )


def test_delete_silent_beyond_the_pattern(shelf: Path) -> None:
    assert run(shelf, DELETE_SILENT) == []


def test_class_based_views_and_their_methods_are_silent(shelf: Path) -> None:
    views = """\
    from django.views import View


    class BookView(View):
        def get(self, request, pk):
            book = get_object_or_404(Book, pk=pk)
            return render(request, "shelf/book.html", {"book": book})


    def book(request, pk):  # fires
        book = get_object_or_404(Book, pk=pk)
        return render(request, "shelf/book.html", {"book": book})
    """
    package = shelf
    source = HEADER + textwrap.dedent(views)
    (package / "views.py").write_text(source)
    (package / "urls.py").write_text(
        "from django.urls import path\n\nfrom . import views\n\nurlpatterns = [\n"
        '    path("view/<str:pk>/", views.BookView.as_view()),\n'
        '    path("book/<str:pk>/", views.book),\n]\n'
    )
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = guarded(check_hand_written_crud)()
    assert [getattr(m, "line", None) for m in found] == marked(package)


def test_inline_ignore_and_baseline_apply(shelf: Path, tmp_path: Path) -> None:
    views = DETAIL_FIRES.replace(
        "@login_required\n",
        "# guardrails: ignore[I311] -- the template reads item\n@login_required\n",
    ).replace("def book_by_slug(request, slug):  # fires", "def book_by_slug(request, slug):")
    found = run(shelf, views)
    assert [m.line for m in found] == marked(shelf)
    assert len(found) == 3
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        baseline.write(baseline_file, found[:1])
        assert [m.line for m in run(shelf, views)] == marked(shelf)[1:]


def test_a_later_run_reads_the_views_from_stored_facts_without_parsing_them(
    shelf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # the store is kept beside bytecode
    SOURCE.clear()
    monkeypatch.setattr(SOURCE, "persistent", True)
    try:
        first = [(m.msg, m.hint, m.line) for m in run(shelf, DETAIL_FIRES)]
        SOURCE.save_facts()
        SOURCE.clear()  # as a new process starts
        again = [(m.msg, m.hint, m.line) for m in run(shelf, DETAIL_FIRES)]  # the same text
        views = os.path.abspath(shelf / "views.py")
        assert views not in SOURCE._modules  # the shapes and definitions came from the store
    finally:
        SOURCE.clear()
    assert len(first) == len(marked(shelf)) > 2
    assert again == first
