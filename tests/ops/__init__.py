"""The operator's side: metrics, request ids, backups, calendar feeds, outgoing webhooks."""
