"""Lab 9: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: "Both have the same fixed point.",
    2: "cuts the fakes from $G$'s graph",
    3: "keeps the graph, so the penalty can itself be back-propagated into the critic",
    4: "beyond the margins it stops",
    5: "A collapsed generator produces only a few kinds of digit, however sharp.",
    6: "the first halves",
}
