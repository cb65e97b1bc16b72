"""Tasks: the document, the status state machine and the task service."""
