"""Building patrols, night spot checks and shift handovers (issue 4). See docs/PATROL.md."""
