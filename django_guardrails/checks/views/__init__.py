"""Checks on the project's views: what they do in their own bodies, read from the source of every
view the URLconfs serve (``served``)."""
