"""Errors whose message is Swedish and meant for the person in front of the screen."""

from __future__ import annotations


class StyrkortError(Exception):
    """Base class: the message is complete Swedish text that may be shown as is."""


class CatalogueError(StyrkortError):
    """The catalogue file is missing or wrong; the message names the measure and the field."""


class PeriodError(StyrkortError):
    """A period id that cannot be read."""


class StoreError(StyrkortError):
    """The data store cannot be read or written."""


class UnknownOrganisationError(StyrkortError):
    """An organisation name that is not in the unit tree."""
