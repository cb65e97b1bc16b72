"""Workers: registration and status in Redis, machine statistics in Elasticsearch."""
