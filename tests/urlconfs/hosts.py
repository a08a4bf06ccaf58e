"""A ROOT_HOSTCONF of django-hosts' shape, written without django-hosts: the hosts are read by
their ``urlconf`` and ``name`` attributes, whoever built them."""

from __future__ import annotations


class Host:
    def __init__(self, regex: str, urlconf: str, name: str) -> None:
        self.regex = regex
        self.urlconf = urlconf
        self.name = name


host_patterns = [
    Host(r"www", "tests.urlconfs.www", name="www"),
    Host(r"docs", "tests.urlconfs.docs", name="docs"),
]
