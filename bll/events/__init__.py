"""Task events over Elasticsearch: ingest, logs, scalars, plots and debug images."""
