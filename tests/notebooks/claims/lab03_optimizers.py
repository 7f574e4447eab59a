"""Lab 3: the cell that prepares each "Check your understanding" item, and the item the lab asks to predict
before it measures (read by test_questions_prepared)."""
UNDERSTANDING = {
    1: "the bias correction without your adam, for comparison",
    2: "so the epoch number is the wrong exponent",
    3: "**look-ahead point** and corrects the step before overshooting",
    4: "AdaGrad's step at t = 1, 4, 100",
    5: "the gradient near the ridge is tiny",
    6: "the two agree only when $\\delta$ is negligible next to $\\sqrt r$",
    7: "so that such a coordinate stays put",
}
# item 4: the measuring cell reads the student's prediction first (AdaGrad's steps 1, 1/2, 1/10: too common
# as strings to search for)
PREDICTED = {4: ("my_adagrad_steps", [])}
