"""Lab 2: the cell that prepares each "Check your understanding" item (read by test_questions_prepared)."""
UNDERSTANDING = {
    1: "at such a critical point batch gradient descent stops moving",
    2: "first layer / last layer",
    3: "a single layer may need absurdly many",
    4: "final loss {losses[-1]:.3f} in {seconds:.2f} s",
    5: "has error $O(h^2)$",
    6: "with $g'$ taken at the",
}
