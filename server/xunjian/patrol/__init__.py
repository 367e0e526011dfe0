"""Building patrols, night spot checks and shift handovers (issue 4). See docs/PATROL.md."""

from . import contexts as _contexts  # noqa: F401  registers the evidence context resolvers
