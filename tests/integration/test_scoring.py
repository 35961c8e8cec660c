"""Scoring and scoring functions on the real 0.7 server (providers ``basic`` and
``llm-as-judge``; the judge is the fake backend, which echoes its prompt)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from llamastack import BadRequestError, InternalServerError, LlamaStackClient
from llamastack.endpoints import (
    DatasetRegister,
    DatasetUnregister,
    ScoringFunctionList,
    ScoringFunctionRegister,
    ScoringFunctionRetrieve,
    ScoringFunctionUnregister,
    ScoringScore,
    ScoringScoreBatch,
)
from llamastack.models import (
    BasicScoringFnParams,
    LLMAsJudgeScoringFnParams,
    NumberType,
    RegexParserScoringFnParams,
    ScoringFn,
    ScoringResult,
)
from tests.integration.conftest import MODEL

BUILTIN_FUNCTIONS = {
    "basic::equality", "basic::subset_of", "basic::regex_parser_multiple_choice_answer",
    "basic::regex_parser_math_response", "basic::ifeval", "basic::docvqa",
    "llm-as-judge::base", "llm-as-judge::405b-simpleqa",
}
EQUALITY = ScoringFn(
    identifier="basic::equality", provider_resource_id="equality", provider_id="basic",
    type="scoring_function",
    description="Returns 1.0 if the input is equal to the target, 0.0 otherwise.",
    metadata={}, return_type=NumberType(),
    params=BasicScoringFnParams(aggregation_functions=["accuracy"]))
ROWS = [{"input_query": "q1", "generated_answer": "a", "expected_answer": "a"},
        {"input_query": "q2", "generated_answer": "abc", "expected_answer": "b"},
        {"input_query": "q3", "generated_answer": "x", "expected_answer": "y"}]


def accuracy(correct: float, total: int) -> dict[str, dict[str, float]]:
    return {"accuracy": {"accuracy": correct / total, "num_correct": correct, "num_total": total}}


# --- scoring functions -----------------------------------------------------------------------


def test_list_has_the_builtin_functions_with_typed_params(client: LlamaStackClient) -> None:
    functions = {fn.identifier: fn for fn in client.call(ScoringFunctionList()).data}
    assert set(functions) >= BUILTIN_FUNCTIONS
    assert functions["basic::equality"] == EQUALITY
    # Params decode by their "type" tag, each to its own class.
    assert isinstance(functions["basic::regex_parser_multiple_choice_answer"].params,
                      RegexParserScoringFnParams)
    assert isinstance(functions["llm-as-judge::base"].params, LLMAsJudgeScoringFnParams)


def test_retrieve_a_builtin_function(client: LlamaStackClient) -> None:
    # "::" is percent-encoded in the path; the server decodes it back.
    assert client.call(ScoringFunctionRetrieve(scoring_fn_id="basic::equality")) == EQUALITY


def test_register_retrieve_use_and_unregister_a_judge(client: LlamaStackClient) -> None:
    fn_id = f"it-judge-{uuid.uuid4().hex[:8]}"
    params = LLMAsJudgeScoringFnParams(
        judge_model=MODEL, prompt_template="Rate {generated_answer} against {expected_answer}",
        judge_score_regexes=[r"Echo: Rate (\w+)"], aggregation_functions=[])
    assert client.call(ScoringFunctionRegister(
        scoring_fn_id=fn_id, description="judge by echo", return_type=NumberType(),
        provider_id="llm-as-judge", params=params)) is None
    expected = ScoringFn(identifier=fn_id, provider_resource_id=fn_id, provider_id="llm-as-judge",
                         type="scoring_function", description="judge by echo", metadata={},
                         return_type=NumberType(), params=params)
    assert client.call(ScoringFunctionRetrieve(scoring_fn_id=fn_id)) == expected
    assert expected in client.call(ScoringFunctionList()).data

    # The fake judge echoes the prompt; the regex takes the score out of its answer.
    scored = client.call(ScoringScore(input_rows=ROWS[:1], scoring_functions={fn_id: None}))
    assert scored.results[fn_id] == ScoringResult(
        score_rows=[{"score": "a", "judge_feedback": "Echo: Rate a against a"}],
        aggregated_results={})

    assert client.call(ScoringFunctionUnregister(scoring_fn_id=fn_id)) is None
    with pytest.raises(BadRequestError) as info:
        client.call(ScoringFunctionRetrieve(scoring_fn_id=fn_id))
    assert info.value.message == f"Scoring function '{fn_id}' not found"


def test_the_basic_provider_cannot_register_functions(client: LlamaStackClient) -> None:
    # Offline limitation of 0.7.3's inline::basic: registering answers 501 (not retried).
    with pytest.raises(InternalServerError) as info:
        client.call(ScoringFunctionRegister(
            scoring_fn_id="it-basic", description="d", return_type={"type": "number"},
            provider_id="basic", provider_scoring_fn_id="equality"))
    assert info.value.status == 501
    assert info.value.message == "Register scoring function not implemented yet"


def test_unknown_function_is_a_400_on_retrieve_and_unregister(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(ScoringFunctionRetrieve(scoring_fn_id="nope::x"))
    assert info.value.body == {"error": {"message": "Scoring function 'nope::x' not found"}}
    with pytest.raises(BadRequestError) as info:
        client.call(ScoringFunctionUnregister(scoring_fn_id="nope::x"))
    assert info.value.message == "Scoring function 'nope::x' not found"


# --- scoring -----------------------------------------------------------------------------------


def test_score_rows_with_several_functions(client: LlamaStackClient) -> None:
    scored = client.call(ScoringScore(
        input_rows=ROWS,
        scoring_functions={"basic::equality": None,
                           "basic::subset_of": BasicScoringFnParams(aggregation_functions=["accuracy"])}))
    assert scored.results == {
        "basic::equality": ScoringResult(score_rows=[{"score": 1.0}, {"score": 0.0}, {"score": 0.0}],
                                         aggregated_results=accuracy(1.0, 3)),
        "basic::subset_of": ScoringResult(score_rows=[{"score": 1.0}, {"score": 1.0}, {"score": 0.0}],
                                          aggregated_results=accuracy(2.0, 3)),
    }


def test_score_with_a_regex_parser(client: LlamaStackClient) -> None:
    rows = [{"generated_answer": "Answer: B", "expected_answer": "B"},
            {"generated_answer": "Answer: C", "expected_answer": "B"}]
    fn = "basic::regex_parser_multiple_choice_answer"
    scored = client.call(ScoringScore(input_rows=rows, scoring_functions={fn: None}))
    assert [row["score"] for row in scored.results[fn].score_rows] == [1.0, 0.0]


def test_score_with_an_unknown_function_is_a_400(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(ScoringScore(input_rows=ROWS, scoring_functions={"it-none": None}))
    assert info.value.message == (
        "Scoring_function `it-none` not served by any of the providers: basic, llm-as-judge. "
        "Make sure there is an Scoring provider serving this scoring_function.")


@pytest.fixture
def dataset_id(client: LlamaStackClient) -> Iterator[str]:
    dataset_id = f"it-score-{uuid.uuid4().hex[:8]}"
    client.call(DatasetRegister(purpose="eval/question-answer",
                                source={"type": "rows", "rows": ROWS}, dataset_id=dataset_id))
    yield dataset_id
    client.call(DatasetUnregister(dataset_id=dataset_id))


def test_score_batch_scores_a_registered_dataset(client: LlamaStackClient, dataset_id: str) -> None:
    scored = client.call(ScoringScoreBatch(dataset_id=dataset_id,
                                           scoring_functions={"basic::equality": None}))
    assert scored.dataset_id is None  # no results dataset was asked for
    assert scored.results == {"basic::equality": ScoringResult(
        score_rows=[{"score": 1.0}, {"score": 0.0}, {"score": 0.0}],
        aggregated_results=accuracy(1.0, 3))}


def test_score_batch_cannot_save_a_results_dataset(client: LlamaStackClient,
                                                   dataset_id: str) -> None:
    # Offline limitation of 0.7.3: save_results_dataset answers 501.
    with pytest.raises(InternalServerError) as info:
        client.call(ScoringScoreBatch(dataset_id=dataset_id, save_results_dataset=True,
                                      scoring_functions={"basic::equality": None}))
    assert info.value.status == 501
    assert info.value.message == "Save results dataset not implemented yet"
