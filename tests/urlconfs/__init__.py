"""A project served by several URLconfs: ``www`` (the root), ``docs`` (another host or tenant),
an API router of Wagtail's shape and one of DRF's. Installed as an app by the tests that use it.

The W3xx tests find their lines by the comments that end some lines here: keep them.
"""
