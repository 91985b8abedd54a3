"""Properties of the BPMN reader over generated input: whatever the bytes — random, or a real
model cut, duplicated, spliced and retyped — `parse` either gives a model (which `validate`
and `to_xml` then handle) or raises `BpmnParseError`, never anything else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from regista.bpmn import BpmnParseError, parse, to_xml, validate

HERE = Path(__file__).parent
MODELS = [
    (HERE / "models" / name).read_bytes()
    for name in ("all_elements.bpmn", "c7_invoice.bpmn", "c8_order.bpmn", "problems.bpmn")
] + [(HERE.parents[2] / "examples" / "order" / "order.bpmn").read_bytes()]


def parses_or_refuses(data: bytes) -> None:
    for strict in (True, False):
        try:
            definitions = parse(data, strict=strict)
        except BpmnParseError as error:
            assert str(error)  # a sentence, with the file, line or element where known
            event("refused")
            continue
        event("parsed")
        validate(definitions)
        to_xml(definitions)


@settings(max_examples=100)
@given(st.binary(max_size=300))
def test_random_bytes_parse_or_are_refused(data: bytes) -> None:
    parses_or_refuses(data)


@settings(max_examples=100)
@given(st.text(max_size=300))
def test_random_text_after_a_bpmn_root_parses_or_is_refused(text: str) -> None:
    head = '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    parses_or_refuses((head + text + "</definitions>").encode("utf-8", "surrogatepass"))


# A mutation of a model: cut a piece out, repeat one, splice another model's piece in, or
# write something else over a piece (ids, names, numbers, markup).
SNIPPETS = [b"", b"<", b">", b"/>", b'"', b"=", b"id", b'id="x"', b"&amp;", b"&bogus;"]
SNIPPETS += [b"<task/>", b"</process>", b"<![CDATA[", b"]]>", b"\x00", b"\xff", b"=x > 1", b"=("]


@st.composite
def mutated_models(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(MODELS))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        size = len(data)
        start = draw(st.integers(min_value=0, max_value=size))
        end = draw(st.integers(min_value=start, max_value=min(size, start + 80)))
        action = draw(st.sampled_from(["cut", "repeat", "splice", "write"]))
        if action == "cut":
            data = data[:start] + data[end:]
        elif action == "repeat":
            data = data[:end] + data[start:end] + data[end:]
        elif action == "splice":
            other = draw(st.sampled_from(MODELS))
            at = draw(st.integers(min_value=0, max_value=len(other)))
            data = data[:start] + other[at : at + (end - start)] + data[end:]
        else:
            snippet = draw(st.sampled_from(SNIPPETS) | st.binary(max_size=8))
            data = data[:start] + snippet + data[end:]
    return data


@settings(max_examples=150)
@given(mutated_models())
def test_mutated_models_parse_or_are_refused(data: bytes) -> None:
    parses_or_refuses(data)
