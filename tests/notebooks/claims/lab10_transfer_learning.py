"""Lab 10: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: "so the random head's large early gradients do not wreck the features",
    2: "In our runs the three curves were within a few points of",
    3: "and flips (and scales) the gradient on the way back",
    4: "nothing forces a blurred 3 to land where the sharp 3s do",
    5: "a mild case of negative transfer",
}
