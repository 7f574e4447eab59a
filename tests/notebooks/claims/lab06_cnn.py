"""Lab 6: the cell that prepares each "Check your understanding" item, and the items the lab asks to predict
before it measures (read by test_questions_prepared)."""
UNDERSTANDING = {
    1: "a dense layer producing 8 maps of 8×8 from the 8×8 image",
    2: "one unit of the second convolution depends on",
    3: "the padding $p = (k - 1)/2$ keeps the size",
    4: "non-zero entries of ∂loss/∂maps per 2×2 window",
    5: "for a hand-made filter the flip\nmatters",
}
# question 1's counts, computed by hand: 8·1·3·3 + 8 = 80 for the convolution, 64·512 + 512 = 33,280 for the
# dense layer; question 2's field is 8×8 (3, then +1 for the pool, then +2·2 for the second convolution)
PREDICTED = {1: ("my_parameter_counts", ["33,280", "33280"]), 2: ("my_receptive_field", [])}
