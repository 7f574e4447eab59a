"""Lab 13: where each "Check your understanding" item is prepared (a verbatim phrase of one cell)."""

UNDERSTANDING = {
    1: r"$\delta_i = \varepsilon\, \mathrm{sign}(g_i)$",
    2: "the largest $L_2$ norm",
    3: "each followed by a **projection** back onto the allowed set",
    4: "The robust network",
    5: "epsilons = [0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3]",
}
