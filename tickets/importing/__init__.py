"""CSV import of helpdesk tickets and survey responses (commands, page and task share it)."""
