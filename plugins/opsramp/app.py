"""`opsramp`: HPE OpsRamp alerts and incidents for Berth, written in Python
on Berth's Python SDK (sdk/python/berth_sdk) and built with componentize-py
for the `ticket-adapter` world.

Tools (as MCP clients see them, `opsramp_{tool}`):

| tool                    | what                                                       | annotations |
|-------------------------|------------------------------------------------------------|-------------|
| `search_alerts`         | alerts by state, workflow, priority, time, incident        | read-only   |
| `get_alert`             | one alert                                                  | read-only   |
| `acknowledge_alert`     | acknowledges an alert                                      | idempotent  |
| `suppress_alert`        | suppresses an alert                                        | idempotent  |
| `search_incidents`      | incidents by status, priority, subject, assignee, time     | read-only   |
| `get_incident`          | one incident, its allowed next statuses and its responses  | read-only   |
| `create_incident`       | files an incident                                          | adds        |
| `update_incident`       | status (by the allowed flow), priority, assignee           | overwrites  |
| `add_incident_response` | a public reply or an internal note                         | adds        |

It also serves the host's normalised ticket desk (`tickets_*`) over the
incidents (desk.py; the mappings are in tables.py).

Settings (settings.py): `api_host`, the tenant's API host
(`acme.api.opsramp.com`), and `tenant_id` (`client_<n>` or `msp_<n>`).
Egress: `https://{api_host}/api/v2/` and the token endpoint only.

The credential `opsramp` is an OpsRamp API integration's key and secret,
which the host exchanges for a token itself (client-credentials grant):

    berth credential set --tenant acme --plugin opsramp opsramp --scheme oauth2-client-credentials \\
        --token-url https://acme.api.opsramp.com/auth/oauth/token --client-id <key>   # the secret on stdin

Build (host/build.rs does it on `cargo build`), with the toolchain pinned in
sdk/python/requirements.txt:

    componentize-py -d ../../wit -w ticket-adapter componentize app -p . -p ../../sdk/python -o opsramp.wasm

Unit tests: `python3 -m unittest discover -s tests -t .` in this directory.
"""

import alerts
import desk
import incident_tools
import settings
from berth_sdk import ConfigKey, Credential, Manifest, Plugin
from errors import CREDENTIAL

plugin = Plugin(
    Manifest(
        name="opsramp",
        version="0.1.0",
        description="HPE OpsRamp alerts and incidents: search, read, acknowledge and suppress alerts; search, "
        "file, update and answer incidents (API v2)",
        egress=["https://{api_host}/api/v2/", "https://{api_host}/auth/oauth/token"],
        credentials=[
            Credential(
                name=CREDENTIAL,
                description="An OpsRamp API integration's key and secret, as oauth2-client-credentials with the "
                "token URL https://{api_host}/auth/oauth/token (the host fetches and renews the token)",
            )
        ],
        config=[
            ConfigKey(
                name=settings.API_HOST,
                description="The tenant's OpsRamp API host, for example acme.api.opsramp.com (host or host:port, "
                "no https://)",
                required=True,
            ),
            ConfigKey(
                name=settings.TENANT_ID,
                description="The OpsRamp tenant the calls are about: client_<number> or msp_<number>",
                required=True,
            ),
        ],
    ),
    tools=[*alerts.TOOLS, *incident_tools.TOOLS],
    ticketing=desk,
)

# The `ticket-adapter` world's exports, for componentize-py.
plugin.export(globals())
