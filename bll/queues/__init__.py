"""Queues of tasks waiting for workers: the document, the service and queue metrics."""
