"""Forecasts of every cost report: fitted after each import in a task, stored, read by pages and the API.

The fits are hundreds of small optimisations: a multi-threaded BLAS spends far more time waking its threads
than computing (ten times slower on a busy two-core machine). So one BLAS thread per process unless the
operator says otherwise; this must run before numpy and scipy load their BLAS, i.e. when Django loads the
app (numpy and scipy are imported only by this app's engine).
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
