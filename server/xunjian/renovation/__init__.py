"""Renovation enforcement (issue 5). See docs/RENOVATION.md."""

from . import contexts as _contexts  # noqa: F401  registers the evidence context resolvers
