"""schemathesis against the live API, with an admin token: no server error, no response that
violates the published OpenAPI schema (positive and negative inputs, bounded examples)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import SurveyResponseFactory, TicketFactory

ST = Path(sys.executable).with_name("st")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, admin_user, agent, leader, tmp_path):
    token = Token.objects.create(user=admin_user)
    for number in range(3):
        ticket = TicketFactory(external_id=f"T-{number}", agent=agent)
        SurveyResponseFactory(external_id=f"S-{number}", agent=agent, ticket=ticket)
    command = [
        str(ST),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token.key}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,fuzzing,stateful",
        "--max-examples",
        "8",
        "--seed",
        "20260301",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--no-color",
        # Revoking or rotating the run's own token would turn every later call into a 401: those two
        # operations are tested in tests/api/test_token_rotation.py.
        "--exclude-name",
        "DELETE /api/v1/auth/token/",
        "--exclude-path",
        "/api/v1/auth/token/rotate/",
    ]
    completed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=150, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    summary = output.split("SUMMARY")[-1]
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    assert selected and tested, output[-6000:]
    assert int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)) - 2 >= 31
    assert re.search(r"\d+ generated, \d+ passed", summary) and "failed" not in summary, summary
