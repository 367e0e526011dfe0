"""Renovation enforcement (issue 5). See docs/RENOVATION.md."""
