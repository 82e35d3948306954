"""The exact text of each output format, as a program piping it (jq, a spreadsheet, a YAML
tool) or a person at a terminal reads it."""

from __future__ import annotations

import io
from typing import Any

import pytest

from keystone_client.cli.output import check_fields, default_format, make_writer, pick, to_plain

ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "title": "Génome assembly",
        "active": True,
        "done": False,
        "note": None,
        "team": {"name": "Génomique", "id": 1},
        "tags": ["dna", "rna"],
    },
    {
        "id": 2,
        "title": "Climate",
        "active": False,
        "done": True,
        "note": "x",
        "team": None,
        "tags": [],
    },
]


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def listing(
    fmt: str, fields: list[str] | None, rows: list[dict[str, Any]], out: io.StringIO | None = None
) -> str:
    out = io.StringIO() if out is None else out
    writer = make_writer(fmt, fields, out)
    writer.start()
    for row in rows:
        writer.row(row)
    writer.end()
    writer.flush()
    return out.getvalue()


def one(fmt: str, row: dict[str, Any], out: io.StringIO | None = None) -> str:
    out = io.StringIO() if out is None else out
    make_writer(fmt, None, out).one(row)
    return out.getvalue()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """A 32-column colour terminal, whatever the environment running the tests says."""
    for name in ["FORCE_COLOR", "NO_COLOR", "COLORTERM", "TTY_COMPATIBLE", "TTY_INTERACTIVE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "32")
    monkeypatch.setenv("LINES", "25")
    return Terminal()


# -- csv -------------------------------------------------------------------------------------


def test_csv_writes_the_fields_asked_for_in_their_order_relations_as_compact_json() -> None:
    fields = ["title", "id", "team", "tags", "active", "done", "note"]
    assert listing("csv", fields, ROWS) == (
        "title,id,team,tags,active,done,note\n"
        'Génome assembly,1,"{""name"":""Génomique"",""id"":1}","[""dna"",""rna""]",true,false,\n'
        "Climate,2,,[],false,true,x\n"
    )


def test_csv_without_fields_has_the_scalar_columns_of_the_first_record() -> None:
    assert listing("csv", None, ROWS) == (
        "id,title,active,done,note\n1,Génome assembly,true,false,\n2,Climate,false,true,x\n"
    )


def test_csv_of_no_records_is_empty() -> None:
    assert listing("csv", ["id"], []) == ""


# -- json and ndjson -------------------------------------------------------------------------

JSON_RECORD_1 = """{
    "id": 1,
    "title": "Génome assembly",
    "active": true,
    "done": false,
    "note": null,
    "team": {
      "name": "Génomique",
      "id": 1
    },
    "tags": [
      "dna",
      "rna"
    ]
  }"""


def test_json_listing_is_an_indented_array_keeping_unicode() -> None:
    assert listing("json", None, ROWS) == (
        "[\n  "
        + JSON_RECORD_1
        + """,
  {
    "id": 2,
    "title": "Climate",
    "active": false,
    "done": true,
    "note": "x",
    "team": null,
    "tags": []
  }
]
"""
    )


def test_json_listing_of_no_records_is_an_empty_array() -> None:
    assert listing("json", None, []) == "[]\n"


def test_json_of_one_record_is_an_indented_object_keeping_unicode() -> None:
    assert one("json", ROWS[0]) == JSON_RECORD_1.replace("\n  ", "\n") + "\n"


def test_ndjson_is_one_compact_object_per_line() -> None:
    assert listing("ndjson", None, ROWS) == (
        '{"id":1,"title":"Génome assembly","active":true,"done":false,"note":null,'
        '"team":{"name":"Génomique","id":1},"tags":["dna","rna"]}\n'
        '{"id":2,"title":"Climate","active":false,"done":true,"note":"x","team":null,"tags":[]}\n'
    )


# -- yaml ------------------------------------------------------------------------------------

YAML_RECORD_1 = """id: 1
title: Génome assembly
active: true
done: false
note: null
team:
  name: Génomique
  id: 1
tags:
- dna
- rna
"""


def test_yaml_listing_is_a_sequence_in_field_order_keeping_unicode() -> None:
    assert listing("yaml", None, ROWS) == (
        "- " + YAML_RECORD_1.rstrip("\n").replace("\n", "\n  ") + "\n"
        "- id: 2\n"
        "  title: Climate\n"
        "  active: false\n"
        "  done: true\n"
        "  note: x\n"
        "  team: null\n"
        "  tags: []\n"
    )


def test_yaml_listing_of_no_records_is_an_empty_sequence() -> None:
    assert listing("yaml", None, []) == "[]\n"


def test_yaml_of_one_record_is_a_mapping_in_field_order_keeping_unicode() -> None:
    assert one("yaml", ROWS[0]) == YAML_RECORD_1


# -- table, piped ----------------------------------------------------------------------------


def test_piped_table_has_the_fields_asked_for_at_full_width() -> None:
    fields = ["title", "id", "team", "tags", "active", "done", "note"]
    assert listing("table", fields, ROWS) == (
        "title             id   team                          tags            active   done"
        "    note\n"
        "───────────────────────────────────────────────────────────────────────────────────────"
        "───\n"
        'Génome assembly   1    {"name":"Génomique","id":1}   ["dna","rna"]   true     false\n'
        "Climate           2                                  []              false    true    x\n"
    )


def test_piped_table_cuts_no_line_however_long() -> None:
    text = "x" * 1_000_020
    lines = listing("table", ["id", "title"], [{"id": 1, "title": text}]).splitlines()
    assert lines[2] == f"1    {text}"


def test_piped_table_prints_its_header_once_over_many_pages() -> None:
    out = io.StringIO()
    writer = make_writer("table", ["id", "title"], out)
    writer.start()
    writer.row(ROWS[0])
    writer.flush()
    assert out.getvalue() == "id   title\n────────────────────\n1    Génome assembly\n"
    writer.row(ROWS[1])
    writer.flush()
    writer.end()
    assert out.getvalue() == (
        "id   title\n────────────────────\n1    Génome assembly\n2   Climate\n"
    )  # each page is its own table, sized to its records


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_piped_table_has_no_control_codes_even_when_colour_is_forced(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "1")
    assert listing("table", ["id", "title"], ROWS) == (
        "id   title\n────────────────────\n1    Génome assembly\n2    Climate\n"
    )
    assert one("table", {"id": 1, "title": "Climate"}) == "id     1\ntitle  Climate\n"


# -- table, at a terminal --------------------------------------------------------------------

BOLD = "\x1b[1m"
PLAIN = "\x1b[0m"


def bold(text: str) -> str:
    return BOLD + text + PLAIN


def test_table_at_a_terminal_has_bold_headers_wraps_words_and_folds_long_ones(
    terminal: Terminal,
) -> None:
    row = {
        "id": 1,
        "title": "Genome assembly for the lab",
        "code": "abcdefghijklmnopqrstuvwxyz0123456789",
    }
    gap = bold(" ") + " " + bold(" ")
    assert listing("table", None, [row], terminal) == (
        bold("id") + gap + bold("title      ") + gap + bold("code         ") + "\n"
        "────────────────────────────────\n"
        "1    Genome        abcdefghijklm\n"
        "     assembly      nopqrstuvwxyz\n"
        "     for the lab   0123456789   \n"
    )


def test_one_record_at_a_terminal_has_bold_unbroken_names_and_folded_values(
    terminal: Terminal,
) -> None:
    row = {
        "a_long_field_name": "some words wrap here",
        "code": "abcdefghijklmnopqrstuvwxyz",
        "ok": True,
        "n": None,
    }
    indent = bold(" " * 18) + " "
    assert one("table", row, terminal) == (
        bold("a_long_field_name")
        + bold(" ")
        + " some words   \n"
        + indent
        + "wrap here    \n"
        + bold("code             ")
        + bold(" ")
        + " abcdefghijklm\n"
        + indent
        + "nopqrstuvwxyz\n"
        + bold("ok               ")
        + bold(" ")
        + " true         \n"
        + bold("n                ")
        + bold(" ")
        + "              \n"
    )


# -- the default format, plain values and the fields asked for ------------------------------------


class Screen(io.StringIO):
    def isatty(self) -> bool:
        return True


class NoTty:
    """A stream that cannot say whether it is a terminal."""

    def write(self, text: str) -> int:
        return len(text)


@pytest.mark.parametrize(
    ("stream", "expected"),
    [(Screen(), "table"), (io.StringIO(), "ndjson"), (NoTty(), "ndjson")],
    ids=["terminal", "pipe", "no-isatty"],
)
def test_the_default_format_follows_the_stream(stream: Any, expected: str) -> None:
    assert default_format(stream) == expected
    writer = make_writer(None, None, stream)
    assert type(writer).__name__ == {"table": "TableWriter", "ndjson": "NdjsonWriter"}[expected]


def test_plain_values_convert_inside_lists_and_mappings() -> None:
    class Model:
        def model_dump(self, mode: str) -> dict[str, str]:
            return {"mode": mode}

    assert to_plain({"a": [{"b": 1}, Model()], "c": (Model(),)}) == {
        "a": [{"b": 1}, {"mode": "json"}],
        "c": [{"mode": "json"}],
    }


def test_a_dotted_field_through_a_value_that_is_no_record_is_null() -> None:
    row = {"title": "Genome", "team": None, "lab": {"id": 4}}
    assert pick(row, ["title.x", "team.name", "lab.nope", "lab.id", "nope"]) == {
        "title.x": None,
        "team.name": None,
        "lab.nope": None,
        "lab.id": 4,
        "nope": None,
    }


def test_every_field_asked_for_is_checked_past_a_null_relation() -> None:
    row = {"id": 1, "team": None, "lab": {"id": 4, "name": "L"}}
    check_fields(row, ["team.name", "lab.name"])  # a null relation: nothing to check below
    with pytest.raises(ValueError) as raised:
        check_fields(row, ["team.name", "nope"])
    assert str(raised.value) == "Unknown field 'nope'; fields here: id, lab, team"
    with pytest.raises(ValueError) as raised:
        check_fields(row, ["lab.nope"])
    assert str(raised.value) == "Unknown field 'lab.nope'; fields here: id, name"
