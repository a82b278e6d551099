"""schemathesis hooks for .ci/api-fuzz: hostile bodies no schema describes. Of every three state-changing requests
the fuzzer makes (the kiosk batch API), one is sent as a multipart form whose value is not UTF-8 text and one as
JSON nested 100,000 deep (the bodies of issue 24 that once gave 500); the check below requires a 400 for both."""

from __future__ import annotations

import itertools

import schemathesis

BOUNDARY = "fuzz24boundary"
MULTIPART = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n".encode()
             + b"caf\xe9 \xff\xfe \xc3\x28" + f"\r\n--{BOUNDARY}--\r\n".encode())
NESTED = b"[" * 100_000
BODIES = {"multipart": (MULTIPART, f"multipart/form-data; boundary={BOUNDARY}"),
          "nested": (NESTED, "application/json")}
_turns = itertools.cycle([None, "multipart", "nested"])
MARK = "X-Fuzz-Hostile-Body"


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """Replace the generated body of every second and third state-changing request by a hostile one."""
    method = str(kwargs.get("method") or case.method).upper()
    if method != case.operation.method.upper() or method not in ("POST", "PUT", "PATCH", "DELETE"):
        return  # a GET operation, or another method sent to see it refused (405): not ours
    kind = next(_turns)
    if kind is None:
        return
    body, content_type = BODIES[kind]
    case.headers = {**(case.headers or {}), MARK: kind, "Content-Type": content_type}
    kwargs["json"] = None
    kwargs["data"] = body


@schemathesis.check
def hostile_bodies_are_refused_with_400(ctx, response, case):
    """A multipart value that is not text, or JSON nested 100,000 deep, is a 400 before any handler."""
    kind = (case.headers or {}).get(MARK)
    if kind and response.status_code != 400:
        raise AssertionError(f"the {kind} body was answered {response.status_code}, not 400")
