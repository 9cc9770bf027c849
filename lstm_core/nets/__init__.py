"""The networks' compiled twins and the engine switch.

:mod:`lstm_core.nets.kernels` holds the Numba kernels that train and run the networks
(plain loops in the paper's names, each tested equal to its readable NumPy reference);
:mod:`lstm_core.nets.engine` says whether they are used (Numba installed and
``LAB_ENGINE`` not ``numpy``).
"""
