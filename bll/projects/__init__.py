"""Projects: named groups of tasks (a small service of our own design)."""
