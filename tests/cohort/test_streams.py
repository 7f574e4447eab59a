"""A grading kernel's output travels in bounded messages (autograder.kernel.streams), and none is lost."""
from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from autograder.cohort.execute import BOUND_STREAMS
from autograder.kernel.streams import LIMIT_CHARS

LINES = 20_000
LINE = "spam " * 200 + "\n"  # what print('spam ' * 200) writes


def test_a_cell_that_prints_fast_sends_bounded_messages_and_all_of_its_output():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"for _ in range({LINES}):\n    print('spam ' * 200)")])
    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=False, extra_arguments=[
        f'--IPKernelApp.exec_lines=["{BOUND_STREAMS}"]'])  # as execute_notebook starts a grading kernel
    sizes = []
    process = client.process_message

    def record(msg, cell, index):
        if msg["msg_type"] == "stream":
            sizes.append(len(msg["content"]["text"]))
        return process(msg, cell, index)

    client.process_message = record
    client.execute()
    assert sum(sizes) == LINES * len(LINE)  # nothing dropped
    assert max(sizes) <= LIMIT_CHARS + len(LINE), f"a message of {max(sizes)} characters"
    assert len(sizes) >= LINES * len(LINE) // (LIMIT_CHARS + len(LINE))
