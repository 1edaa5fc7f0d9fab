"""The hostile-input suite: "Nothing a user types can hurt them".

Every case runs the real ``jtai-sim`` command on a broken or odd input and checks the
promise: a refusal is one line on stderr starting ``jtai-sim: error:`` with exit code 2,
no traceback, nothing new in the working folder; a valid input exits 0; both within
15 s and 1 GB. :mod:`.harness` runs and judges a case, :mod:`.cases` holds the tables
(and, in ``XFAIL``, the ids of the cases that fail today).
"""
