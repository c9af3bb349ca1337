"""The tenant's settings: which OpsRamp API host, and which tenant (client
or partner) the calls are about."""

import re

from berth_sdk import ToolError, config

API_HOST = "api_host"
TENANT_ID = "tenant_id"

# `acme.api.opsramp.com`, or `host:port`; no scheme, no path.
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
# `client_593972` or `msp_1234`.
_TENANT = re.compile(r"^(client|msp)_[0-9]+$")


def api_host() -> str:
    """The API host, checked: `acme.api.opsramp.com`."""
    host = config.require(API_HOST, "acme.api.opsramp.com")
    if not _HOST.match(host):
        raise ToolError.invalid_arguments(
            f"the setting `{API_HOST}` must be the OpsRamp API host alone, such as acme.api.opsramp.com (no "
            f"https://, no path); it is `{host}`"
        )
    return host


def tenant_id() -> str:
    """The tenant the calls are about: `client_<n>` or `msp_<n>`."""
    tenant = config.require(TENANT_ID, "client_593972")
    if not _TENANT.match(tenant):
        raise ToolError.invalid_arguments(
            f"the setting `{TENANT_ID}` must be an OpsRamp tenant id, `client_<number>` or `msp_<number>` (shown "
            f"under Setup > Accounts); it is `{tenant}`"
        )
    return tenant


def tenant_root() -> str:
    """`https://{api_host}/api/v2/tenants/{tenant_id}`: where every call goes."""
    return f"https://{api_host()}/api/v2/tenants/{tenant_id()}"

