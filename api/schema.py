"""How the OpenAPI document describes the token authentication, the problem responses
of every operation, the links between operations, the Idempotency-Key header and
examples of the main calls (docs/api.md)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from api.exceptions import PROBLEM_TYPE, TITLES


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token (docs/api.md)."}


# --- Problem responses and links (docs/api.md, Fuzzed from its own schema) -----------

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error as RFC 9457 problem details (api/exceptions.py).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "The messages per field; a nested object's or list's by key.",
            "additionalProperties": {},
        },
        "version": {"type": "string", "description": "The record's current version (409)."},
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    429: {"Retry-After": {"schema": {"type": "integer"}}},
}
# The component name of each problem response.
PROBLEM_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    406: "NotAcceptable",
    409: "Conflict",
    415: "UnsupportedMediaType",
    422: "UnprocessableContent",
    429: "TooManyRequests",
}
WRITES = {"post", "put", "patch", "delete"}


def problem_statuses(method: str, operation: dict) -> list[int]:
    """The errors an operation can answer (api/exceptions.py, docs/api.md, Errors):
    every one 401, 403, 406 and 429; 400 for input (query, body, a write's rules); 404
    for a record named in the path or a cursor that is not valid; 409 for a write (stale
    version, an Idempotency-Key in use); 415 with a body; 422 for a POST (a reused
    Idempotency-Key)."""
    parameters = operation.get("parameters", [])
    has_query = any(parameter.get("in") == "query" for parameter in parameters)
    has_path = any(parameter.get("in") == "path" for parameter in parameters)
    statuses = [401, 403, 406, 429]
    if has_query or "requestBody" in operation or method in WRITES:
        statuses.append(400)
    if has_path or any(parameter.get("name") == "cursor" for parameter in parameters):
        statuses.append(404)
    if method in WRITES:
        statuses.append(409)
    if "requestBody" in operation:
        statuses.append(415)
    if method == "post":
        statuses.append(422)
    return sorted(statuses)


def add_problem_responses(result: dict) -> None:
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    responses = components.setdefault("responses", {})
    for status, name in PROBLEM_NAMES.items():
        response = {
            "description": str(TITLES[status]),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in PROBLEM_HEADERS:
            response["headers"] = PROBLEM_HEADERS[status]
        responses[name] = response
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in problem_statuses(method, operation):
                operation["responses"].setdefault(
                    str(status), {"$ref": f"#/components/responses/{PROBLEM_NAMES[status]}"}
                )


# OpenAPI links: the value a response gives that another operation takes, so that a
# client (and Schemathesis' stateful run) follows a contact from its creation to its
# reading and update. (source path, method, status) → [(name, target path, method,
# parameters, request body)]; a link whose operations are not in the document is left out.
BY_NO = {"no": "$response.body#/no"}
# An update sends the version it read, and the references it read, which exist.
WITH_VERSION = {
    "version": "$response.body#/version",
    "company_no": "$response.body#/company_no",
    "salesperson": "$response.body#/salesperson",
}
CONTACT = "/api/v1/contacts/{no}/"
CAMPAIGN = "/api/v1/campaigns/{no}/"
CONTACT_LINKS = [
    ("GetContact", CONTACT, "get", BY_NO, None),
    ("UpdateContact", CONTACT, "put", BY_NO, WITH_VERSION),
    ("PatchContact", CONTACT, "patch", BY_NO, WITH_VERSION),
]
CAMPAIGN_LINKS = [
    ("ActivateCampaign", CAMPAIGN + "activate/", "post", BY_NO, None),
    ("DeactivateCampaign", CAMPAIGN + "deactivate/", "post", BY_NO, None),
]
ACTIVATED = {"no": "$response.body#/campaign/no"}
LINKS = {
    ("/api/v1/contacts/", "post", "201"): CONTACT_LINKS,
    ("/api/v1/contacts/upsert/", "post", "200"): CONTACT_LINKS,
    ("/api/v1/contacts/upsert/", "post", "201"): CONTACT_LINKS,
    (CONTACT, "get", "200"): CONTACT_LINKS[1:],
    (CONTACT, "put", "200"): CONTACT_LINKS,
    (CONTACT, "patch", "200"): CONTACT_LINKS,
    (CAMPAIGN, "get", "200"): CAMPAIGN_LINKS,
    (CAMPAIGN + "activate/", "post", "200"): [
        ("GetCampaign", CAMPAIGN, "get", ACTIVATED, None),
        ("DeactivateCampaign", CAMPAIGN + "deactivate/", "post", ACTIVATED, None),
    ],
    (CAMPAIGN + "deactivate/", "post", "200"): [
        ("GetCampaign", CAMPAIGN, "get", ACTIVATED, None),
        ("ActivateCampaign", CAMPAIGN + "activate/", "post", ACTIVATED, None),
    ],
    ("/api/v1/interactions/", "post", "201"): [
        (
            "InteractionsOfContact",
            "/api/v1/interactions/",
            "get",
            {"contact": "$response.body#/contact"},
            None,
        ),
        ("GetContact", CONTACT, "get", {"no": "$response.body#/contact"}, None),
    ],
    ("/api/v1/quotes/", "post", "201"): [
        ("GetQuote", "/api/v1/quotes/{no}/", "get", BY_NO, None),
    ],
    ("/api/v1/segments/{no}/", "get", "200"): [
        ("SegmentLines", "/api/v1/segments/{no}/lines/", "get", BY_NO, None),
        ("AddContacts", "/api/v1/segments/{no}/add-contacts/", "post", BY_NO, None),
    ],
}


def add_links(result: dict) -> None:
    paths = result.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None or "$ref" in response:
            continue
        for name, target_path, target_method, parameters, body in links:
            target = paths.get(target_path, {}).get(target_method)
            if target is None:
                continue
            link = {"operationId": target["operationId"], "parameters": dict(parameters)}
            if body is not None:
                link["requestBody"] = dict(body)
            response.setdefault("links", {})[name] = link


# --- The Idempotency-Key header and examples of the main calls ----------------------

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Any text, e.g. a UUID or a web form's submission id: a retry with the same key "
        "and body gets the first answer (with Idempotent-Replayed: true) instead of acting "
        "twice; the same key with another body is refused with 422 (docs/api.md)."
    ),
}

# (path, method) → {example name: (summary, request body)}; the Nos. are the demo data's
# (manage.py demo), so the examples can be tried on a demo database.
REQUEST_EXAMPLES = {
    ("/api/v1/contacts/", "post"): {
        "person": (
            "A person at a company",
            {
                "type": "person",
                "name": "Anna de Vries",
                "company_no": "CT000001",
                "email": "anna.devries@example.com",
                "language": "nl",
            },
        ),
    },
    ("/api/v1/contacts/upsert/", "post"): {
        "by_email": (
            "?match=email: update the contact with this e-mail, or make one",
            {"type": "person", "name": "Anna de Vries", "email": "anna.devries@example.com"},
        ),
    },
    ("/api/v1/contacts/bulk-upsert/", "post"): {
        "by_external_id": (
            "?match=external_id: a shop's customers kept in step",
            {
                "contacts": [
                    {"external_id": "SHOP-1001", "type": "company", "name": "Fabrikam Inc."},
                    {"external_id": "SHOP-1002", "type": "person", "name": "Lea Smit"},
                ]
            },
        ),
    },
    ("/api/v1/interactions/", "post"): {
        "web_form_response": (
            "A web form's response to a campaign",
            {
                "contact": "CT000002",
                "template": "RESPONSE",
                "campaign": "CP0002",
                "campaign_response": True,
                "description": "Web form: office furniture offer",
            },
        ),
    },
    ("/api/v1/quotes/", "post"): {
        "two_lines": (
            "A quote for a customer, priced as on the page",
            {
                "customer": "C00001",
                "lines": [
                    {"item": "IT00001", "quantity": "2"},
                    {"item": "IT00002", "quantity": "5"},
                ],
            },
        ),
    },
}
# (path, method) → {query parameter: example value}.
PARAMETER_EXAMPLES = {
    ("/api/v1/prices/", "get"): {"customer": "C00001", "item": "IT00001", "quantity": "12"},
    ("/api/v1/contacts/", "get"): {"q": "adatum"},
}


def add_idempotency_key_and_examples(result: dict) -> None:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            if method == "post":
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
            examples = REQUEST_EXAMPLES.get((path, method))
            content = operation.get("requestBody", {}).get("content", {})
            if examples and "application/json" in content:
                content["application/json"]["examples"] = {
                    name: {"summary": summary, "value": value}
                    for name, (summary, value) in examples.items()
                }
            values = PARAMETER_EXAMPLES.get((path, method), {})
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") in values:
                    parameter["example"] = values[parameter["name"]]


# A PATCH, like a PUT, must carry the version it was read at (api/serializers.py); the
# partial ("Patched") component drf-spectacular makes requires nothing.
REQUIRED_IN_PATCH = {"PatchedContactUpdate": ["version"]}


def postprocess_problems_and_links(result, generator, request, public):
    """drf-spectacular's postprocessing hook (SPECTACULAR_SETTINGS): the problem
    responses of every operation, the links between operations, the Idempotency-Key
    header of every POST, examples of the main calls and what a PATCH requires."""
    add_problem_responses(result)
    add_links(result)
    add_idempotency_key_and_examples(result)
    schemas = result.get("components", {}).get("schemas", {})
    for name, required in REQUIRED_IN_PATCH.items():
        if name in schemas:
            schemas[name]["required"] = required
    return result
