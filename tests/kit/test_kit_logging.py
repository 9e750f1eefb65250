"""Every log line carries the request id, tenant and principal of its request."""

from __future__ import annotations

import json
import logging

from backend.kit.logging import (
    ContextFilter,
    JsonFormatter,
    principal_var,
    request_id_var,
    tenant_var,
)


def test_a_json_line_carries_the_request_context() -> None:
    record = logging.LogRecord(
        "jalur.test", logging.INFO, __file__, 1, "order %s placed", ("PO-1",), None
    )
    tokens = (request_id_var.set("req-9"), tenant_var.set("t-1"), principal_var.set("rep:u-7"))
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(tokens[0])
        tenant_var.reset(tokens[1])
        principal_var.reset(tokens[2])

    line = json.loads(JsonFormatter().format(record))

    assert line["msg"] == "order PO-1 placed"
    assert (line["request_id"], line["tenant"], line["principal"]) == ("req-9", "t-1", "rep:u-7")
    assert line["level"] == "info"
