"""Helpdesk connectors: a Connection per Zendesk or Freshdesk account, synced into Pulse by Celery.

`http` talks to the helpdesk (timeouts, 429 and 5xx), each helpdesk module (`zendesk`, `freshdesk`)
turns its API's pages into helpdesk-neutral tickets and ratings (`base`), and `sync` writes them
page by page through the same scoped upsert services as the API and the importer.
"""
