"""Lab 7: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: "the **forget gate**, decides how much of the old cell state is kept",
    2: "multiplied by 49 forget gates",
    3: "unless they are tuned just right its norm shrinks (or",
    4: "feeds its own predictions back",
    5: "one final evaluation at the very end",
    6: "which a saturating LSTM does badly",
}
