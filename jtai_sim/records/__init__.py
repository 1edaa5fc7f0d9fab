"""The area's own records: the lists and returns a partnership already holds, read and written.

Each format has its own module, and every one of them turns its files into the same
:class:`~jtai_sim.inspection.model.CaseBook` of recorded facts that the mock week,
the findings and ``jtai-sim learn`` read:

* :mod:`jtai_sim.records.tables`: one way to read a CSV file or a workbook sheet,
  with the column spellings the sector's tools accept;
* :mod:`jtai_sim.records.problems`: every mistake in a file, listed together;
* one module per format (Annex A lists, the SSDA903 return, a CAMHS referral
  extract), each with a reader and a writer;
* :mod:`jtai_sim.records.book`: which formats a folder holds, read into one case book.
"""
