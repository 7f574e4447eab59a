"""Commands that run a whole workflow over the other packages (grader side): regenerate ``release/``
(:mod:`.release`), build the student bundle (:mod:`.publish`), autograde a lab's reference and blank
submissions (:mod:`.labcheck`), and the TA's path on an example cohort (:mod:`.demo`)."""
