"""The viva question bank: questions per lab (``questions/<lab_id>.yaml``), their loader and
validator (:mod:`autograder.viva.bank`) and the student-facing self-review pages
(:mod:`autograder.viva.self_review`). See ``docs/viva.md``.
"""
