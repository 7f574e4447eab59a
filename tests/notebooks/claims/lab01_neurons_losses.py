"""Lab 1: the cell that prepares each "Check your understanding" item (read by test_questions_prepared)."""
UNDERSTANDING = {
    1: "Show (on paper) that",
    2: "one outlier with a large residual dominates the gradient",
    3: "Both pieces and their slopes meet at $|r| = \\delta$",
    4: "Take $c = \\max_j y_j$: the same values, and no exponential overflows",
    5: "(the **log-sum-exp** trick)",
    6: "still counts as a large error and moves",
}
