"""The course's late policy as an nbgrader ``LateSubmissionPlugin``, chosen in ``nbgrader_config.py``.

``c.AssignLatePenalties.plugin_class = LatePenalty`` makes nbgrader's own ``AssignLatePenalties``
(the last step of every ``nbgrader autograde`` and of ``dlcourse grade``) ask this class for each late
notebook's penalty. Its values come from the course calendar's ``late_policy:`` (``calendar.yaml`` at the
course root), so the calendar stays the one place a TA edits; each option can also be set in
``nbgrader_config.py`` (``c.LatePenalty.percent_per_day = 5``), which then wins, and ``dlcourse calendar``
says so. :func:`penalty_for` is the rule itself:

* ``none``: no penalty;
* ``per_day``: ``percent_per_day`` % of the notebook's score per started day (24 h) late, at most
  ``max_percent`` %; later than ``zero_after_days`` days (if not 0) the whole score;
* ``zero``: the whole score as soon as it is late.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional

from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float, Int

from autograder.course.schedule import LATE_METHODS, LatePolicyValues, find_calendar

DAY_S = 86400


def penalty_for(policy: LatePolicyValues, score: float, seconds_late: float) -> Optional[float]:
    """The penalty (points) for a notebook that scored ``score`` and came ``seconds_late`` s late."""
    if seconds_late <= 0 or policy.method == "none":
        return None
    if policy.method == "zero":
        return score
    days = math.ceil(seconds_late / DAY_S)
    if policy.zero_after_days and seconds_late > policy.zero_after_days * DAY_S:
        return score
    return score * min(policy.max_percent, policy.percent_per_day * days) / 100.0


def describe(policy: LatePolicyValues) -> str:
    if policy.method == "none":
        return "no late penalty"
    if policy.method == "zero":
        return "a late submission scores 0"
    text = f"{policy.percent_per_day:g} % of the score per started day late, at most {policy.max_percent:g} %"
    if policy.zero_after_days:
        text += f"; 0 when more than {policy.zero_after_days} days late"
    return text


class LatePenalty(LateSubmissionPlugin):
    """The course calendar's late policy (``late_policy:`` of ``calendar.yaml``); options set here win."""

    penalty_method = Enum(
        LATE_METHODS, default_value=None, allow_none=True,
        help="none: no penalty; per_day: percent_per_day % of the score per started day late, up to max_percent %; "
             "zero: score 0 when late. Unset: the calendar's late_policy.method.").tag(config=True)
    percent_per_day = Float(None, allow_none=True,
                            help="per_day: percent of the notebook's score lost per started day (24 h) late. "
                                 "Unset: the calendar's.").tag(config=True)
    max_percent = Float(None, allow_none=True,
                        help="per_day: the most percent a late submission loses (before zero_after_days). "
                             "Unset: the calendar's.").tag(config=True)
    zero_after_days = Int(None, allow_none=True,
                          help="per_day: more than this many days late scores 0; 0: never. "
                               "Unset: the calendar's.").tag(config=True)

    def policy(self) -> LatePolicyValues:
        """The calendar's values with any option set in the configuration applied over them."""
        calendar = find_calendar(CourseDirectory(config=self.config).root)
        values = calendar.late if calendar else LatePolicyValues()
        overrides = {"method": self.penalty_method, "percent_per_day": self.percent_per_day,
                     "max_percent": self.max_percent, "zero_after_days": self.zero_after_days}
        return replace(values, **{k: v for k, v in overrides.items() if v is not None})

    def overridden(self) -> list[str]:
        """The options ``nbgrader_config.py`` sets over the calendar's values."""
        return [name for name in ("penalty_method", "percent_per_day", "max_percent", "zero_after_days")
                if getattr(self, name) is not None]

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> Optional[float]:
        if not hasattr(self, "_policy"):
            self._policy = self.policy()  # one read of the calendar per plugin (nbgrader makes one per notebook)
        return penalty_for(self._policy, score, total_seconds_late)
