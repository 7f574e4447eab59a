"""Lab 8: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: "the randomness into an input that does not depend on the parameters",
    2: "decoded from $z \\sim \\mathcal{N}(0, I)$",
    3: "(**posterior collapse**)",
    4: "(no activation: $\\log\\sigma^2$ may be any real number)",
    5: "What the bound is a bound on, here.",
    6: "weigh the KL term 64 times too much",
}
