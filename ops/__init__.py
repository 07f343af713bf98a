"""Running the service in production: metrics, request ids, backups, the staff's calendar
feeds and the studio's outgoing webhooks. Below the edges, beside db."""
