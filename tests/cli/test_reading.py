"""list, count, get and choices in every format, against the fake Keystone."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from keystone_client.testing import FakeKeystone

from .conftest import Keystone, sent

FORMATS = ["table", "json", "ndjson", "csv", "yaml"]


def ndjson(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_piped_list_defaults_to_ndjson_with_every_record(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("allocation-requests", "list")
    assert result.exit_code == 0, result.stderr
    rows = ndjson(result.stdout)
    assert [r["id"] for r in rows] == [r.id for r in server.all("allocation_requests")]
    assert rows[0]["title"] == "Genome assembly pipeline"
    assert rows[0]["team"]["name"] == "Genomics Lab"  # relations as objects, by model name
    assert rows[0]["team_id"] == 1
    assert "\x1b[" not in result.stdout


def test_list_streams_every_page_when_pages_are_small(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("allocation-requests", "list", "--fields", "id", KEYSTONE_PAGE_SIZE="2")
    assert result.exit_code == 0, result.stderr
    ids = [r["id"] for r in ndjson(result.stdout)]
    assert ids == [r.id for r in server.all("allocation_requests")]
    pages = [p for m, p in sent(server) if p.startswith("/allocations/requests/")]
    assert len(pages) >= len(ids) // 2


def test_filter_order_search_limit_and_fields_are_sent(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone(
        "allocation-requests",
        "list",
        "--filter",
        "status=AP",
        "--filter",
        "team__in=1,2",
        "--order-by",
        "-submitted",
        "--limit",
        "2",
        "--fields",
        "id,status,team.name",
    )
    assert result.exit_code == 0, result.stderr
    rows = ndjson(result.stdout)
    assert rows == [
        {"id": 7, "status": "AP", "team.name": "Genomics Lab"},
        {"id": 4, "status": "AP", "team.name": "Climate Modeling"},
    ]
    (request,) = sent(server)
    query = parse_qs(urlsplit(request[1]).query)
    assert query["status"] == ["AP"]
    assert query["team__in"] == ["1,2"]
    assert query["_order"] == ["-submitted"]


def test_search_is_sent(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "list", "--search", "ocean", "--fields", "id")
    assert result.exit_code == 0, result.stderr
    assert all("search=ocean" in p for _, p in sent(server))


def test_limit_zero_prints_nothing(keystone: Keystone) -> None:
    result = keystone("grants", "list", "--limit", "0", "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_count_prints_the_bare_number_in_every_format(
    keystone: Keystone, server: FakeKeystone, fmt: str
) -> None:
    result = keystone("allocation-requests", "count", "--filter", "status=AP", "-o", fmt)
    assert result.exit_code == 0, result.stderr
    expected = sum(1 for r in server.all("allocation_requests") if r.status == "AP")
    assert result.stdout == f"{expected}\n"


def test_json_listing_is_an_array_and_one_record_an_object(keystone: Keystone) -> None:
    listing = keystone("grants", "list", "-o", "json", "--fields", "id,amount,start_date")
    rows = json.loads(listing.stdout)
    assert isinstance(rows, list) and len(rows) >= 2
    assert rows[0] == {"id": 1, "amount": "450000.00", "start_date": "2024-09-01"}
    one = keystone("grants", "get", "1", "-o", "json", "--fields", "id,amount,team.name")
    assert json.loads(one.stdout) == {"id": 1, "amount": "450000.00", "team.name": "Genomics Lab"}


def test_money_is_an_exact_decimal_string_and_dates_iso_8601(keystone: Keystone) -> None:
    row = ndjson(keystone("grants", "get", "1", "-o", "ndjson").stdout)[0]
    assert Decimal(row["amount"]) == Decimal("450000.00") and isinstance(row["amount"], str)
    assert row["start_date"] == "2024-09-01"
    history = row["history"][0]["timestamp"]
    assert history.endswith("Z") or "+00:00" in history


def test_csv_has_a_header_and_one_line_per_record(keystone: Keystone) -> None:
    result = keystone("grants", "list", "-o", "csv", "--fields", "id,title,team.name,amount")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "title", "team.name", "amount"]
    assert rows[1][0] == "1" and rows[1][3] == "450000.00"
    assert len(rows) == 1 + len(ndjson(keystone("grants", "list", "--fields", "id").stdout))


def test_csv_without_fields_has_the_scalar_columns(keystone: Keystone) -> None:
    header = keystone("grants", "list", "-o", "csv").stdout.splitlines()[0].split(",")
    assert "id" in header and "amount" in header and "team_id" in header
    assert "team" not in header and "history" not in header


def test_yaml_listing_is_a_sequence_and_one_record_a_mapping(keystone: Keystone) -> None:
    rows = yaml.safe_load(keystone("grants", "list", "-o", "yaml", "--fields", "id,amount").stdout)
    assert rows[0] == {"id": 1, "amount": "450000.00"}
    one = yaml.safe_load(keystone("grants", "get", "2", "-o", "yaml", "--fields", "id").stdout)
    assert one == {"id": 2}
    assert keystone("grants", "list", "-o", "yaml", "--limit", "0").stdout == "[]\n"


def test_table_in_a_pipe_is_plain_and_complete(keystone: Keystone) -> None:
    result = keystone(
        "allocation-requests", "list", "-o", "table", "--fields", "id,title,description"
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "title", "description"]
    assert "\x1b[" not in result.stdout and "…" not in result.stdout
    assert "Genome assembly pipeline: compute time for the Genomics Lab." in result.stdout


def test_table_of_one_record_lists_field_and_value(keystone: Keystone) -> None:
    result = keystone("teams", "get", "1", "-o", "table", "--fields", "id,name")
    assert [line.split(None, 1) for line in result.stdout.splitlines()] == [
        ["id", "1"],
        ["name", "Genomics Lab"],
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_in_every_format(keystone: Keystone, fmt: str) -> None:
    result = keystone("teams", "get", "1", "-o", fmt, "--fields", "id,name")
    assert result.exit_code == 0, result.stderr
    assert "Genomics Lab" in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_list_in_every_format(keystone: Keystone, fmt: str) -> None:
    result = keystone("teams", "list", "-o", fmt, "--fields", "id,name")
    assert result.exit_code == 0, result.stderr
    assert "Genomics Lab" in result.stdout and "Climate Modeling" in result.stdout


def test_unknown_output_field_is_a_usage_error(keystone: Keystone) -> None:
    result = keystone("teams", "list", "--fields", "id,colour")
    assert result.exit_code == 2
    assert "Unknown field 'colour'" in result.stderr


def test_unknown_format_is_a_usage_error(keystone: Keystone) -> None:
    result = keystone("teams", "list", "-o", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "ndjson", "table"])
def test_choices_lists_codes_and_labels(keystone: Keystone, server: FakeKeystone, fmt: str) -> None:
    result = keystone("allocation-requests", "choices", "status", "-o", fmt)
    assert result.exit_code == 0, result.stderr
    assert "PD" in result.stdout and "Pending" in result.stdout
    if fmt == "json":
        assert json.loads(result.stdout)[0] == {"code": "PD", "label": "Pending"}
    assert sent(server) == [("GET", "/allocations/request-choices/status/")]


def test_choices_of_a_field_without_choices(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("allocation-requests", "choices", "title")
    assert result.exit_code == 2
    assert "has no choices for 'title'; fields with choices: status" in result.stderr
    assert sent(server) == []


def test_bad_filter_syntax_is_a_usage_error(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "list", "--filter", "amount")
    assert result.exit_code == 2
    assert "'amount' is not field__lookup=value" in result.stderr
    assert sent(server) == []


def test_bad_order_field_is_refused_before_sending(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("grants", "list", "--order-by", "colour")
    assert result.exit_code == 2
    assert "Cannot order grants by 'colour'" in result.stderr
    assert sent(server) == []
