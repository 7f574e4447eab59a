"""What each lab's notebook claims and which of its cells prepare its questions: one data module per lab
(``<lab_id>.py``: ``UNDERSTANDING``, optionally ``PREDICTED``) read by ``tests/notebooks/test_questions_prepared.py``,
and one test module per lab (``test_<lab_id>.py``) that reruns the reference version of each experiment whose
outcome the notebook states, on several seeds, in process, on the CPU."""
