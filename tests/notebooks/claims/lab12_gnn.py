"""Lab 12: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: "features are lost (hence the self-loops",
    2: "would average the neighbours; the symmetric version keeps",
    3: "GCNs usually have two or three layers",
    4: "the unlabelled ones pass information between the labelled ones",
    5: "this costs $O(n^2 f)$ time and $O(n^2)$ memory",
}
