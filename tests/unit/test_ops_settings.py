"""The operator's settings refuse what would not work, in one line naming the variable."""

from __future__ import annotations

import pytest

from settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"metrics_token": "short"}, "invalid setting METRICS_TOKEN: must be at least 16"),
        ({"outgoing_webhooks": "nonsense"}, "invalid setting OUTGOING_WEBHOOKS: must be a JSON"),
        (
            {"outgoing_webhooks": '[{"name": "crm", "url": "ftp://x", "secret": "s" }]'},
            "invalid setting OUTGOING_WEBHOOKS",
        ),
        (
            {
                "outgoing_webhooks": [
                    {"name": "crm", "url": "https://a.example", "secret": "x" * 16},
                    {"name": "crm", "url": "https://b.example", "secret": "y" * 16},
                ]
            },
            "each subscriber needs a name of its own",
        ),
        ({"backup_keep": 0}, "invalid setting BACKUP_KEEP"),
    ],
)
def test_refused(overrides: dict[str, object], said: str) -> None:
    with pytest.raises(SettingsError, match=said.replace("(", r"\(")):
        load_settings(**overrides)


def test_subscriber_secrets_are_masked_in_logs() -> None:
    settings = load_settings(
        outgoing_webhooks='[{"name": "crm", "url": "https://crm.example", "secret": "'
        + "k" * 20
        + '"}]',
        metrics_token="m" * 20,
    )
    assert {"k" * 20, "m" * 20} <= set(settings.secret_values())
