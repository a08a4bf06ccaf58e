"""Stands for an installed library (the tests say its directory is among the libraries')."""
