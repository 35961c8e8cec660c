"""File processors (v1alpha) on the real 0.7 server (``inline::pypdf``), fed a PDF written
here byte by byte (the client has no PDF library, and needs none)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from llamastack import BadRequestError, InternalServerError, LlamaStackClient
from llamastack.endpoints import FileCreate, FileProcess

PDF = "application/pdf"


def minimal_pdf(pages: Sequence[str]) -> bytes:
    """A valid PDF 1.4: one Helvetica text line per page, with a correct xref table."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids = []
    for number, text in enumerate(pages, start=2):
        page, contents = 2 * number, 2 * number + 1
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects[page] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                         b"/Resources << /Font << /F1 3 0 R >> >> >>" % contents)
        objects[contents] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        kids.append(b"%d 0 R" % page)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


TWO_PAGES = minimal_pdf(["Llamas live in the Andes mountains.", "Paris is the capital of France."])


def test_process_an_uploaded_pdf(client: LlamaStackClient) -> None:
    result = client.call(FileProcess(file=("two.pdf", TWO_PAGES, PDF)))
    [chunk] = result.chunks
    assert chunk.content == "Llamas live in the Andes mountains.\nParis is the capital of France."
    assert chunk.metadata is not None
    assert (chunk.metadata["filename"], chunk.metadata["page_count"]) == ("two.pdf", 2)
    assert chunk.chunk_metadata.chunk_id == chunk.chunk_id
    assert chunk.chunk_metadata.chunk_tokenizer == "tiktoken:cl100k_base"
    assert chunk.chunk_metadata.chunk_window == f"0-{chunk.chunk_metadata.content_token_count}"
    assert {k: result.metadata[k] for k in ("processor", "extraction_method", "page_count",
                                           "file_size_bytes")} == {
        "processor": "pypdf", "extraction_method": "pypdf", "page_count": 2,
        "file_size_bytes": len(TWO_PAGES)}


def test_process_a_stored_file_by_id(client: LlamaStackClient) -> None:
    stored = client.call(FileCreate(file=("stored.pdf", TWO_PAGES, PDF), purpose="assistants"))
    [chunk] = client.call(FileProcess(file_id=stored.id)).chunks
    assert isinstance(chunk.content, str) and chunk.content.startswith("Llamas live in the Andes")
    assert chunk.metadata is not None
    assert (chunk.metadata["file_id"], chunk.metadata["filename"]) == (stored.id, "stored.pdf")


def test_static_chunking_splits_with_overlap(client: LlamaStackClient) -> None:
    pages = [" ".join(f"llama{page}x{word}" for word in range(40)) for page in range(3)]
    strategy = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 10}}
    result = client.call(FileProcess(file=("long.pdf", minimal_pdf(pages), PDF),
                                     chunking_strategy=json.dumps(strategy)))
    windows = [chunk.chunk_metadata.chunk_window for chunk in result.chunks]
    assert windows == ["0-100", "90-190", "180-280", "270-370", "360-460", "450-485"]
    first, last = result.chunks[0].content, result.chunks[-1].content
    assert isinstance(first, str) and first.startswith("llama0x0 llama0x1")
    assert isinstance(last, str) and last.endswith("llama2x39")


def test_options_cannot_reach_a_0_7_3_server(client: LlamaStackClient) -> None:
    # The client sends a dict form field the way the Stainless SDKs do, as `options[key]`
    # parts; 0.7.3 (FastAPI, `options: dict | None = Form()`) ignores those parts...
    with_options = client.call(FileProcess(file=("two.pdf", TWO_PAGES, PDF),
                                           options={"ocr": True},
                                           chunking_strategy=json.dumps({"type": "auto"})))
    assert [c.content for c in with_options.chunks] == [
        "Llamas live in the Andes mountains.\nParis is the capital of France."]
    # ...and refuses an `options` part whatever it holds, even a JSON object: there is no
    # multipart encoding of a dict it accepts. A server limitation, pinned here.
    with pytest.raises(BadRequestError) as info:
        client.post("/v1alpha/file-processors/process", body={"options": json.dumps({"ocr": True})},
                    files={"file": ("two.pdf", TWO_PAGES, PDF)})
    assert info.value.message == ("{'errors': [{'loc': ['body', 'options'], 'msg': 'Input should "
                                  "be a valid dictionary', 'type': 'dict_type'}]}")


def test_exactly_one_of_file_and_file_id(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(FileProcess())
    assert info.value.message == "Either file or file_id must be provided"
    with pytest.raises(BadRequestError) as info:
        client.call(FileProcess(file=("two.pdf", TWO_PAGES, PDF), file_id="file-x"))
    assert info.value.message == "Cannot provide both file and file_id"


def test_bad_chunking_strategies_are_400s_with_detail(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(FileProcess(file=("two.pdf", TWO_PAGES, PDF),
                                chunking_strategy=json.dumps({"type": "nope"})))
    assert info.value.body == {"detail": "Invalid chunking strategy type: nope"}
    with pytest.raises(BadRequestError) as info:
        client.call(FileProcess(file=("two.pdf", TWO_PAGES, PDF), chunking_strategy="not json"))
    assert info.value.message == ("Invalid JSON in chunking_strategy: Expecting value: line 1 "
                                  "column 1 (char 0)")


def test_a_file_that_is_not_a_pdf_is_a_500(client: LlamaStackClient) -> None:
    # 0.7.3's pypdf processor does not check the type; pypdf's failure becomes a bare 500.
    with pytest.raises(InternalServerError) as info:
        client.call(FileProcess(file=("notes.txt", b"plain text", "text/plain")), max_retries=0)
    assert info.value.status == 500
    assert info.value.message == "Internal server error: An unexpected error occurred."
