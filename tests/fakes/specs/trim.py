#!/usr/bin/env python3
"""Trims Atlassian's published OpenAPI descriptions to what the fake Jira serves.

Reads the full Jira Cloud platform REST v3 and Jira Service Management
descriptions and writes, beside this script, copies that keep only the
operations `berth_fakes::jira` serves and every `components/schemas` entry
those operations reach through `$ref` (transitively), plus the schemas of
issue field values (FIELD_VALUE_SCHEMAS below). Everything else in a
kept operation (parameters, examples, descriptions) is kept as published, so
the trimmed files stay the vendor's words.

Usage:
    python3 trim.py PLATFORM_SPEC JSM_SPEC

PLATFORM_SPEC is the platform swagger-v3 JSON, JSM_SPEC the service desk one.
Only the Python standard library is used; the output is deterministic
(sorted keys), so re-running it on the same input changes nothing.
"""

import json
import os
import sys

# The operations the fake serves, per output file: path template -> methods.
SERVED = {
    "jira-platform-v3.trimmed.json": {
        "/rest/api/3/search/jql": ["get", "post"],
        "/rest/api/3/issue": ["post"],
        "/rest/api/3/issue/{issueIdOrKey}": ["get", "put"],
        "/rest/api/3/issue/{issueIdOrKey}/comment": ["get", "post"],
        "/rest/api/3/issue/{issueIdOrKey}/transitions": ["get", "post"],
        "/rest/api/3/issue/{issueIdOrKey}/assignee": ["put"],
        "/rest/api/3/myself": ["get"],
        "/rest/api/3/user/search": ["get"],
        "/rest/api/3/user/assignable/search": ["get"],
        "/rest/api/3/priority": ["get"],
        "/rest/api/3/project/search": ["get"],
    },
    "jsm-v3.trimmed.json": {
        "/rest/servicedeskapi/servicedesk": ["get"],
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}": ["get"],
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}/requesttype": ["get"],
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}/queue": ["get"],
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}/queue/{queueId}/issue": ["get"],
        "/rest/servicedeskapi/request": ["get", "post"],
        "/rest/servicedeskapi/request/{issueIdOrKey}": ["get"],
        "/rest/servicedeskapi/request/{issueIdOrKey}/comment": ["get", "post"],
    },
}

# Schemas kept beside the reachable ones, per output file. `IssueBean.fields`
# is a free-form map in the spec; the fake's tests check each field's value
# against the schema Jira documents for that field type, so those schemas
# (and what they reference) are kept even where no kept operation names them.
FIELD_VALUE_SCHEMAS = {
    "jira-platform-v3.trimmed.json": [
        "Resolution",
        "StatusDetails",
        "Priority",
        "UserDetails",
        "IssueTypeDetails",
        "ProjectDetails",
        "PageOfComments",
    ],
    "jsm-v3.trimmed.json": [],
}

# Top-level members copied as they are (the rest, such as tags and vendor
# narrative, describe operations that are not kept).
KEPT_TOP_LEVEL = ["openapi", "info", "servers", "externalDocs"]

SCHEMA_PREFIX = "#/components/schemas/"


def refs(node):
    """Every `$ref` string anywhere under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def closure(spec, roots):
    """The names of the schemas `roots` reach, following `$ref`s."""
    schemas = spec.get("components", {}).get("schemas", {})
    seen = set()
    pending = list(roots)
    while pending:
        ref = pending.pop()
        if not ref.startswith(SCHEMA_PREFIX):
            raise SystemExit(f"unsupported $ref {ref!r}: only {SCHEMA_PREFIX}* is followed")
        name = ref[len(SCHEMA_PREFIX):]
        if name in seen:
            continue
        if name not in schemas:
            raise SystemExit(f"dangling $ref {ref!r}")
        seen.add(name)
        pending.extend(refs(schemas[name]))
    return seen


def trim(spec, served, extra):
    """A copy of `spec` with only the `served` operations, the schemas they
    reach, and the `extra` schemas (and what those reach)."""
    out = {key: spec[key] for key in KEPT_TOP_LEVEL if key in spec}
    paths = {}
    for template, methods in served.items():
        item = spec.get("paths", {}).get(template)
        if item is None:
            raise SystemExit(f"the spec has no path {template!r}")
        kept = {key: value for key, value in item.items() if key in ("parameters", "summary", "description")}
        for method in methods:
            if method not in item:
                raise SystemExit(f"the spec has no {method.upper()} {template!r}")
            kept[method] = item[method]
        paths[template] = kept
    out["paths"] = paths
    names = closure(spec, list(refs(paths)) + [SCHEMA_PREFIX + name for name in extra])
    components = spec.get("components", {})
    out["components"] = {"schemas": {name: components["schemas"][name] for name in sorted(names)}}
    if "securitySchemes" in components:
        out["components"]["securitySchemes"] = components["securitySchemes"]
    return out


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    for source, (target, served) in zip(argv[1:], SERVED.items()):
        with open(source, encoding="utf-8") as handle:
            spec = json.load(handle)
        trimmed = trim(spec, served, FIELD_VALUE_SCHEMAS[target])
        with open(os.path.join(here, target), "w", encoding="utf-8") as handle:
            json.dump(trimmed, handle, indent=1, sort_keys=True, ensure_ascii=False)
            handle.write("\n")
        operations = sum(len(methods) for methods in served.values())
        print(f"{target}: {operations} operations, {len(trimmed['components']['schemas'])} schemas")


if __name__ == "__main__":
    main(sys.argv)
