"""The JSON API the website and the booking page use, and the HTTP application that
serves it beside the gateways' webhooks (webhooks/)."""
