# HalfCheetah-v4 with the paper's method (Nagabandi et al. 2017: random shooting on a learned 2 × 200
# network, aggregation of the planned episodes) at MBBL's budget (pipelines/schedules/mbbl-200k.mk).
# Everything else is the halfcheetah task's.
TASK := halfcheetah
METHOD := rs
include pipelines/schedules/mbbl-200k.mk
