"""The envelope check for schemathesis (loaded with SCHEMATHESIS_HOOKS by scripts/fuzz-api).

Every /api and /admin/api answer in JSON is wxbase's envelope: `code` 1 with `message` "ok"
and no `error`, or `code` 0 with `data` null and `error` from the closed list the document
publishes. The bytes of a file download are the one answer outside it.
"""

import schemathesis


@schemathesis.check
def envelope(ctx, response, case):
    path = case.path
    if not (path.startswith("/api/") or path.startswith("/admin/api/")):
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if not content_type.startswith("application/json"):
        if case.operation.method.upper() == "GET" and path == "/api/files/{id}":
            return None
        raise AssertionError(f"not JSON ({content_type!r}): the envelope is JSON")
    body = response.json()
    assert isinstance(body, dict), f"the envelope is an object, got {body!r}"
    assert body.get("code") in (0, 1), f"code is 0 or 1, got {body.get('code')!r}"
    assert isinstance(body.get("message"), str), "message is a string"
    codes = case.operation.schema.raw_schema["components"]["schemas"]["ErrorCode"]["enum"]
    if body["code"] == 1:
        assert "error" not in body, f"a success carries no error: {body!r}"
    else:
        assert body.get("data") is None, f"a failure's data is null: {body!r}"
        assert body.get("error") in codes, f"error {body.get('error')!r} is not in the closed list"
        assert body["error"] != "internal", f"an internal error: {body['message']}"
    return None
