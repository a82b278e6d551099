"""The published OpenAPI document: only the JSON API under /api/, with error bodies as the server really sends them
({status, error[, fields]}), and /schema rendered on the server from packaged templates (no CDN, works offline)."""

from __future__ import annotations

import copy
from typing import Any

from litestar import Litestar, Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

API_PREFIX = "/api/"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "error"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status code, repeated."},
        "error": {"type": "string", "description": "What went wrong, in the request's language (id or en)."},
        "fields": {"type": "array", "items": {"type": "object"},
                   "description": "Present on 400 when individual parameters were refused."},
    },
}
ERRORS = {
    "400": "The request is not valid (a malformed or out-of-range parameter).",
    "404": "No such unit, service or counter (or the path is unknown).",
    "413": "The request is too large.",
    "429": "Too many requests. Please wait a moment and try again.",
}


#: What the query parameters really accept (the handlers parse them as text, so the generator cannot know).
PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    # a date, or empty for the default
    "from": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]},
    "to": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]},
    # years 1900..9998 (a period must end before year 10000); empty = the default period
    "period": {"type": "string",
               "pattern": r"^((19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
                          r"(-Q[1-4]|-S[12]|-(0[1-9]|1[0-2]))?)?$"},
    "q": {"type": "string", "maxLength": 100},
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def accurate_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The generated document with only /api/ paths, and every operation's 4xx documented as {status, error}."""
    schema = copy.deepcopy(schema)
    schema["paths"] = {p: ops for p, ops in schema.get("paths", {}).items() if p.startswith(API_PREFIX)}
    # The open-data API needs no sign-in: no session cookie scheme (it belongs to the back office, not published).
    schema.pop("security", None)
    schema.setdefault("components", {}).pop("securitySchemes", None)
    components = schema["components"].setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for operations in schema["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation.pop("security", None)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") in PARAMETER_SCHEMAS:
                    description = (parameter.get("schema") or {}).get("description")
                    parameter["schema"] = {**PARAMETER_SCHEMAS[parameter["name"]],
                                           **({"description": description} if description else {})}
            responses = operation["responses"]
            for code, description in ERRORS.items():
                responses[code] = _error_response(description)
            if "staff" in operation.get("tags", []):  # staff data (the staffing plan): the back office's session
                responses["401"] = _error_response("Not signed in: these figures are for the unit's heads and "
                                                   "managers (the back office's session cookie).")
                responses["403"] = _error_response("Signed in, but not a head or manager of this unit.")
            if "kiosk" in operation.get("tags", []):  # the one API that needs a credential: a paired kiosk's
                responses["401"] = _error_response("The kiosk is not paired, or its pairing was revoked "
                                                   "(X-Kiosk-Token).")
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name", "").lower() == "x-kiosk-token" for p in parameters):
                    parameters.append({"name": "X-Kiosk-Token", "in": "header", "required": True,
                                       "schema": {"type": "string", "maxLength": 200},
                                       "description": "The device token a kiosk received when it was paired."})
    used = _refs(schema["paths"]) | {"Error"}
    # Drop component schemas only referenced by the back-office/HTML routes that were removed.
    while True:
        more = set().union(*(_refs(components[name]) for name in used if name in components)) - used
        if not more:
            break
        used |= more
    schema["components"]["schemas"] = {k: v for k, v in components.items() if k in used}
    return schema


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def publish_json_api_only(app: Litestar) -> None:
    """Make the app's OpenAPI plugin serve `accurate_schema` of what it generates."""
    from litestar._openapi.plugin import OpenAPIPlugin

    plugin = app.plugins.get(OpenAPIPlugin)
    for path in [p for p in plugin.included_routes if not p.startswith(API_PREFIX)]:
        del plugin.included_routes[path]
    # Generated once at start-up (the plugin caches it); the plugin then serves the accurate document.
    plugin._openapi_schema = accurate_schema(plugin.provide_openapi().to_schema())


class ApiReferencePlugin(OpenAPIRenderPlugin):
    """/schema: the API reference rendered server-side from the OpenAPI document with the site's own templates and
    stylesheet (packaged with the portal; no third-party script, no network)."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        operations = []
        for path, methods in openapi_schema.get("paths", {}).items():
            for method, operation in methods.items():
                if isinstance(operation, dict):
                    operations.append({"method": method.upper(), "path": path, **operation})
        assert request.app.template_engine is not None  # create_app configures Jinja
        environment = request.app.template_engine.engine
        html = environment.get_template("api_reference.html").render(
            request=request, schema=openapi_schema, operations=operations,
            json_url=self.get_openapi_json_route(request), lang=request.state.get("lang", "id"),
        )
        return html.encode()
