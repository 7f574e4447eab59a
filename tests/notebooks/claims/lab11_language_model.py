"""Lab 11: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: "(27 for a uniform guess, 1 for",
    2: "cannot serve as the padding marker of the targets",
    3: "sharpens it (safer, more repetitive names)",
    4: "first two principal components",
    5: 'results = {"uniform": 27.0, "bigram": ppl_bigram',
}
