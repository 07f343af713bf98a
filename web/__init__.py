"""The booking page (`/book`), also the Telegram Mini App, and the pages around it."""
