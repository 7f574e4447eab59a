"""Lab 5: the cell that prepares each "Check your understanding" item (read by test_questions_prepared)."""
UNDERSTANDING = {
    1: "copying\nis impossible and the network has to find the few directions",
    2: "Copying the input is now useless",
    3: "The squared error is the negative log-likelihood of Gaussian pixels",
    4: "Nothing forces classes apart",
    5: "the best *linear* code",
}
