"""Benchmarks and eval (v1alpha) on the real 0.7 server (``inline::builtin`` eval, the fake LLM
as the candidate: it answers ``Echo: <last user message>``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from llamastack import BadRequestError, InternalServerError, LlamaStackClient
from llamastack.endpoints import (
    BenchmarkList,
    BenchmarkRegister,
    BenchmarkRetrieve,
    BenchmarkUnregister,
    DatasetRegister,
    DatasetUnregister,
    EvalJobCancel,
    EvalJobResultRetrieve,
    EvalJobRetrieve,
    EvalJobRun,
    EvalRowsEvaluate,
)
from llamastack.models import (
    Benchmark,
    BenchmarkConfig,
    EvaluateResponse,
    GreedySamplingStrategy,
    Job,
    ModelCandidate,
    RowsDataSource,
    SamplingParams,
    ScoringResult,
    SystemMessage,
)
from tests.integration.conftest import MODEL


def chat_row(question: str, expected: str) -> dict[str, str]:
    messages = [{"role": "user", "content": question}]
    return {"input_query": question, "expected_answer": expected,
            "chat_completion_input": json.dumps(messages)}


# The fake echoes: rows 0 and 2 expect exactly that, row 1 does not.
ROWS = [chat_row("q0", "Echo: q0"), chat_row("q1", "wrong"), chat_row("q2", "Echo: q2")]
CANDIDATE = ModelCandidate(
    model=MODEL, sampling_params=SamplingParams(strategy=GreedySamplingStrategy(), max_tokens=20))
CONFIG = BenchmarkConfig(eval_candidate=CANDIDATE)


def accuracy(correct: float, total: int) -> dict[str, dict[str, float]]:
    return {"accuracy": {"accuracy": correct / total, "num_correct": correct, "num_total": total}}


@pytest.fixture
def benchmark(client: LlamaStackClient) -> Iterator[Benchmark]:
    suffix = uuid.uuid4().hex[:8]
    dataset_id, benchmark_id = f"it-eval-ds-{suffix}", f"it-bench-{suffix}"
    client.call(DatasetRegister(purpose="eval/question-answer", source=RowsDataSource(rows=ROWS),
                                dataset_id=dataset_id))
    # 0.7.3 answers 200 with the literal body `null` (documented as 204).
    assert client.call(BenchmarkRegister(benchmark_id=benchmark_id, dataset_id=dataset_id,
                                         scoring_functions=["basic::equality"],
                                         metadata={"suite": "it"})) is None
    yield client.call(BenchmarkRetrieve(benchmark_id=benchmark_id))
    client.call(BenchmarkUnregister(benchmark_id=benchmark_id))
    client.call(DatasetUnregister(dataset_id=dataset_id))


def test_register_and_retrieve(benchmark: Benchmark) -> None:
    assert benchmark == Benchmark(
        identifier=benchmark.identifier, provider_resource_id=benchmark.identifier,
        provider_id="builtin", type="benchmark", dataset_id=benchmark.dataset_id,
        scoring_functions=["basic::equality"], metadata={"suite": "it"})


def test_list_holds_the_benchmark(client: LlamaStackClient, benchmark: Benchmark) -> None:
    assert benchmark in client.call(BenchmarkList()).data


def test_unregister_then_it_is_gone(client: LlamaStackClient) -> None:
    benchmark_id = f"it-bench-{uuid.uuid4().hex[:8]}"
    client.call(BenchmarkRegister(benchmark_id=benchmark_id, dataset_id="any",
                                  scoring_functions=["basic::equality"]))
    assert client.call(BenchmarkUnregister(benchmark_id=benchmark_id)) is None
    assert benchmark_id not in [b.identifier for b in client.call(BenchmarkList()).data]
    for spec in (BenchmarkRetrieve(benchmark_id=benchmark_id),
                 BenchmarkUnregister(benchmark_id=benchmark_id)):
        with pytest.raises(BadRequestError) as info:  # 400, not 404, on 0.7.3
            client.call(spec)  # type: ignore[misc]
        assert info.value.message == f"Benchmark '{benchmark_id}' not found"


def test_evaluate_rows_generates_and_scores(client: LlamaStackClient, benchmark: Benchmark) -> None:
    result = client.call(EvalRowsEvaluate(
        benchmark_id=benchmark.identifier, input_rows=ROWS, scoring_functions=["basic::equality"],
        benchmark_config=CONFIG))
    assert result == EvaluateResponse(
        generations=[{"generated_answer": "Echo: q0"}, {"generated_answer": "Echo: q1"},
                     {"generated_answer": "Echo: q2"}],
        scores={"basic::equality": ScoringResult(
            score_rows=[{"score": 1.0}, {"score": 0.0}, {"score": 1.0}],
            aggregated_results=accuracy(2.0, 3))})


def test_evaluate_completion_rows_with_a_plain_dict_config(client: LlamaStackClient,
                                                            benchmark: Benchmark) -> None:
    rows = [{"input_query": "x", "expected_answer": "Echo: say hi",
             "completion_input": json.dumps("say hi")}]
    config = {"eval_candidate": {"type": "model", "model": MODEL,
                                 "sampling_params": {"max_tokens": 10}}}
    result = client.call(EvalRowsEvaluate(benchmark_id=benchmark.identifier, input_rows=rows,
                                          scoring_functions=["basic::subset_of"],
                                          benchmark_config=config))
    assert result.generations == [{"generated_answer": "Echo: say hi"}]
    assert result.scores["basic::subset_of"].score_rows == [{"score": 1.0}]


def test_run_a_job_then_status_and_result(client: LlamaStackClient, benchmark: Benchmark) -> None:
    # The builtin provider runs the job synchronously: it is completed when created.
    job = client.call(EvalJobRun(benchmark_id=benchmark.identifier, benchmark_config=CONFIG))
    assert job.status == "completed" and job.job_id.isdigit()
    assert client.call(EvalJobRetrieve(benchmark_id=benchmark.identifier,
                                       job_id=job.job_id)) == Job(job_id=job.job_id,
                                                                  status="completed")
    result = client.call(EvalJobResultRetrieve(benchmark_id=benchmark.identifier,
                                               job_id=job.job_id))
    assert [g["generated_answer"] for g in result.generations] == ["Echo: q0", "Echo: q1", "Echo: q2"]
    assert result.scores["basic::equality"].aggregated_results == accuracy(2.0, 3)


def test_num_examples_limits_a_job(client: LlamaStackClient, benchmark: Benchmark) -> None:
    config = BenchmarkConfig(eval_candidate=CANDIDATE, num_examples=1)
    job = client.call(EvalJobRun(benchmark_id=benchmark.identifier, benchmark_config=config))
    result = client.call(EvalJobResultRetrieve(benchmark_id=benchmark.identifier,
                                               job_id=job.job_id))
    assert result.generations == [{"generated_answer": "Echo: q0"}]


def test_a_system_message_breaks_the_builtin_eval(client: LlamaStackClient,
                                                  benchmark: Benchmark) -> None:
    # A 0.7.3 server bug, not the client's: inline::builtin puts the candidate's
    # system_message (a SystemMessage) into a chat request that only takes
    # OpenAISystemMessageParam, and pydantic refuses it.
    candidate = ModelCandidate(model=MODEL, sampling_params=CANDIDATE.sampling_params,
                               system_message=SystemMessage(content="Answer briefly."))
    with pytest.raises(BadRequestError) as info:
        client.call(EvalJobRun(benchmark_id=benchmark.identifier,
                               benchmark_config=BenchmarkConfig(eval_candidate=candidate)))
    assert info.value.message == (
        "{'errors': [{'loc': ['messages', 0, 'system'], 'msg': 'Input should be a valid "
        "dictionary or instance of OpenAISystemMessageParam', 'type': 'model_type'}]}")


def test_cancel_is_not_implemented(client: LlamaStackClient, benchmark: Benchmark) -> None:
    # Offline limitation of 0.7.3's inline::builtin eval: cancel is always 501 (not retried).
    job = client.call(EvalJobRun(benchmark_id=benchmark.identifier, benchmark_config=CONFIG))
    with pytest.raises(InternalServerError) as info:
        client.call(EvalJobCancel(benchmark_id=benchmark.identifier, job_id=job.job_id))
    assert info.value.status == 501
    assert info.value.message == "Job cancel is not implemented yet"


def test_unknown_job_is_a_400(client: LlamaStackClient, benchmark: Benchmark) -> None:
    for spec in (EvalJobRetrieve(benchmark_id=benchmark.identifier, job_id="no-such-job"),
                 EvalJobResultRetrieve(benchmark_id=benchmark.identifier, job_id="no-such-job")):
        with pytest.raises(BadRequestError) as info:
            client.call(spec)  # type: ignore[misc]
        assert info.value.message == "Job no-such-job not found"
