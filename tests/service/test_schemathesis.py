"""Property-based API tests from the OpenAPI document: no input may cause a server error.

Responses must also conform to the documented schemas, status codes, content types and
headers. Not checked: 'positive data acceptance' — a record can be valid JSON for the schema
and still be clinically invalid (an unknown drug, a haemoglobin of 98 g/dL), which rrmm
rightly rejects with 422.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from rrmm.service.app import create_app
from rrmm.service.settings import ServiceSettings
from tests.conftest import AS_OF

APP = create_app(ServiceSettings(feedback_db=":memory:", as_of=AS_OF))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_error(case):
    response = case.call()
    assert response.status_code < 500, response.text
    case.validate_response(
        response,
        checks=(
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.response_headers_conformance,
            schemathesis.checks.negative_data_rejection,
            schemathesis.checks.unsupported_method,
        ),
    )
