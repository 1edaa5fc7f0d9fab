"""A scenario learned from a partnership's own records.

:func:`learn_scenario` turns a :class:`~jtai_sim.inspection.model.CaseBook` into a
:class:`Learned` scenario (its TOML text and the provenance of every value);
:func:`read_case_book` reads the records ``jtai-sim learn`` is given. See
``docs/learning.md``.

>>> from jtai_sim.learning import learn_scenario, read_case_book
>>> learned = learn_scenario(read_case_book("scenarios/cases"), children=80000)
>>> learned.scenario.children
80000
"""

from jtai_sim.learning.data import read_case_book
from jtai_sim.learning.estimate import Estimate
from jtai_sim.learning.learn import Learned, learn_scenario

__all__ = ["Estimate", "Learned", "learn_scenario", "read_case_book"]
