"""Stored histories of real runs replay against the current workflow code (a break fails CI)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.appraisal import AppraisalCycleWorkflow
from workflows.training import TrainingWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_stored():
    scenarios = {p.stem.split("__")[0] for p in HISTORIES}
    assert {"year-on-time", "year-escalated", "year-exempt-cltn"} <= scenarios
    assert any("__training-" in p.stem for p in HISTORIES)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path):
    workflow_id = path.stem.split("__")[1]  # task ids embed it: replay under the original id
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    replayer = Replayer(
        workflows=[AppraisalCycleWorkflow, TrainingWorkflow], data_converter=pydantic_data_converter
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
