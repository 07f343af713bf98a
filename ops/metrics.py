"""The process's counters and histograms, incremented where things happen.

What the database already knows (bookings by state, payments, refunds, the outbox's backlog)
is not counted here: `ops.gauges` reads it at each scrape, so every process reports the same
figures and a restart loses nothing. Counters count this process's own work; Prometheus sums
them over the processes.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

#: The service's own registry: no process or platform collectors from another library.
REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOKS = Counter(
    "studio_webhooks",
    "Gateway notifications by result: applied (changed a payment), repeat (already known, "
    "or older than what is known), refused (failed verification or the checks), deferred "
    "(the gateway could not be asked to confirm it; it delivers again)",
    ["gateway", "result"],
    registry=REGISTRY,
)
WEBHOOK_RESULTS = ("applied", "repeat", "refused", "deferred")

HTTP_LATENCY = Histogram(
    "studio_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern (never the raw path)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

JOB_RUNS = Counter(
    "studio_job_runs",
    "Runs of the background jobs by result (ok, failed)",
    ["job", "result"],
    registry=REGISTRY,
)
JOB_LAG = Histogram(
    "studio_job_lag_seconds",
    "How late a job's run started after its scheduled time",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0),
    registry=REGISTRY,
)

NOTIFICATIONS = Counter(
    "studio_notifications_sent",
    "Attempts to deliver a notification, by channel (telegram, email) and result: sent, "
    "retry (a temporary failure, tried again later), failed (given up on this attempt)",
    ["channel", "result"],
    registry=REGISTRY,
)
TELEGRAM_429 = Counter(
    "studio_telegram_429",
    "Times the Bot API answered 429 (too many requests) and a send waited it out",
    registry=REGISTRY,
)

AUDIT_RUNS = Counter(
    "studio_audit_runs",
    "Daily money audits by result (ok, failed)",
    ["result"],
    registry=REGISTRY,
)

OUTGOING_WEBHOOKS = Counter(
    "studio_outgoing_webhooks",
    "POSTs of events to the studio's subscribers (OUTGOING_WEBHOOKS) by result "
    "(delivered, failed)",
    ["subscriber", "result"],
    registry=REGISTRY,
)

# Series that exist from the start at 0, so that rate() and increase() see their first
# event, and a dashboard shows "none" rather than "no data".
for _result in ("ok", "failed"):
    AUDIT_RUNS.labels(_result)
for _channel in ("telegram", "email"):
    for _result in ("sent", "retry", "failed"):
        NOTIFICATIONS.labels(_channel, _result)


def jobs_known(names: list[str]) -> None:
    for name in names:
        JOB_RUNS.labels(name, "ok")
        JOB_RUNS.labels(name, "failed")
        JOB_LAG.labels(name)


def subscribers_known(names: list[str]) -> None:
    for name in names:
        OUTGOING_WEBHOOKS.labels(name, "delivered")
        OUTGOING_WEBHOOKS.labels(name, "failed")
