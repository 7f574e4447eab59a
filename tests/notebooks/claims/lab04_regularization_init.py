"""Lab 4: the cell that prepares each "Check your understanding" item (read by test_questions_prepared)."""
UNDERSTANDING = {
    1: "**Only the weights are penalised, not the biases**",
    2: "every step first shrinks the weights by the factor",
    3: "units cannot co-adapt",
    4: "under ReLU it loses a factor $\\sqrt 2$ per layer",
    5: "plays the role that $1/\\lambda$ plays for",
    6: "so their accuracy at that epoch is an",
}
