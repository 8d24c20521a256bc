"""Study Buddy's runtime: CLI, settings, app wiring, adapters."""

import os

# Thread pools, set before numpy or the FAQ model load (bench/faq_eval.py measured each choice):
# the similarity search is one matrix-vector product, fastest on one BLAS thread, and the model's
# OpenMP threads spin only briefly after a call instead of the default ~300k turns that starve numpy.
# At 100x content this takes p99 from 126 ms to about 33 ms. Set either variable to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("GOMP_SPINCOUNT", "200000")
# python-telegram-bot 22: RetryAfter.retry_after as a timedelta now, as its next major version will
# have it (the adapter reads either), instead of a deprecation warning on every rate limit.
os.environ.setdefault("PTB_TIMEDELTA", "1")
